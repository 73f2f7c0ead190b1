#include "http/update_range.hpp"

#include "http/text.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace keepdav::http_util {

namespace {

/** "first-last" with both numbers present, or nothing. */
std::optional<update_range> span_of(std::string_view text) {
    auto dash = text.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto first = parse_decimal(text.substr(0, dash));
    auto last = parse_decimal(text.substr(dash + 1));
    if (!first || !last) return std::nullopt;
    return update_range{update_range::kind::span, *first, *last, 0};
}

} // namespace

std::optional<update_range> parse_content_range(std::string_view value) {
    value = trim_ows(value);
    // §14.4: the range unit is case-insensitive, separated from the range by one space.
    if (value.size() < 6 || !boost::algorithm::iequals(value.substr(0, 6), "bytes ")) return std::nullopt;
    value.remove_prefix(6);
    auto slash = value.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto range = span_of(value.substr(0, slash));
    if (!range || range->last < range->first) return std::nullopt;
    auto complete = value.substr(slash + 1);
    if (complete == "*") return range;
    auto length = parse_decimal(complete);
    if (!length || range->last >= *length) return std::nullopt;
    return range;
}

std::optional<update_range> parse_x_update_range(std::string_view value) {
    value = trim_ows(value);
    if (boost::algorithm::iequals(value, "append")) return update_range{update_range::kind::append, 0, 0, 0};
    if (value.size() < 6 || !boost::algorithm::iequals(value.substr(0, 6), "bytes=")) return std::nullopt;
    value.remove_prefix(6);
    if (value.starts_with('-')) {
        auto suffix = parse_decimal(value.substr(1));
        if (!suffix) return std::nullopt;
        return update_range{update_range::kind::suffix, 0, 0, *suffix};
    }
    if (value.ends_with('-')) {
        auto first = parse_decimal(value.substr(0, value.size() - 1));
        if (!first) return std::nullopt;
        return update_range{update_range::kind::from, *first, 0, 0};
    }
    return span_of(value);
}

} // namespace keepdav::http_util
