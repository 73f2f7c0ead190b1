#include "http/byte_range.hpp"

#include "http/text.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace keepdav::http_util {

range_request parse_range(std::string_view header, std::uint64_t size) {
    header = trim_ows(header);
    // §14.1.1: the unit is case-insensitive; anything but bytes is ignored.
    if (header.size() < 6 || (header.substr(0, 6) != "bytes=" && header.substr(0, 6) != "BYTES=")) return {};
    auto specs = header.substr(6);
    bool any = false, syntax_ok = true, specs_seen = false;
    std::uint64_t first = UINT64_MAX, last = 0;
    while (!specs.empty()) {
        auto comma = specs.find(',');
        auto spec = trim_ows(specs.substr(0, comma));
        specs = comma == std::string_view::npos ? std::string_view{} : specs.substr(comma + 1);
        if (spec.empty()) continue;
        specs_seen = true;
        auto dash = spec.find('-');
        if (dash == std::string_view::npos) {
            syntax_ok = false;
            break;
        }
        auto a = trim_ows(spec.substr(0, dash)), b = trim_ows(spec.substr(dash + 1));
        std::uint64_t from, to;
        if (a.empty()) { // suffix: the last N bytes
            auto n = parse_decimal(b);
            if (!n) { syntax_ok = false; break; }
            if (*n == 0 || size == 0) continue; // unsatisfiable on its own
            from = size - std::min(*n, size);
            to = size - 1;
        } else {
            auto start = parse_decimal(a);
            auto end = b.empty() ? std::optional<std::uint64_t>(UINT64_MAX) : parse_decimal(b);
            if (!start || !end || *end < *start) { syntax_ok = false; break; }
            if (*start >= size) continue; // unsatisfiable on its own
            from = *start;
            to = std::min(*end, size - 1);
        }
        any = true;
        first = std::min(first, from);
        last = std::max(last, to);
    }
    // §14.2: an invalid Range header is ignored.
    if (!syntax_ok || !specs_seen) return {};
    if (!any) return {range_request::kind::unsatisfiable, 0, 0};
    if (first == 0 && last + 1 == size) return {};
    return {range_request::kind::partial, first, last - first + 1};
}

} // namespace keepdav::http_util
