#include "http/prefer.hpp"

#include "http/text.hpp"

#include <boost/beast/core/string.hpp>

namespace keepdav::http_util {

namespace {

/** The preference's name: what stands before its '=' or ';', without white space. */
std::string_view preference_name(std::string_view element) {
    auto end = element.find_first_of("=;");
    return trim_ows(element.substr(0, end));
}

/** The next comma-separated element of `rest`, skipping commas inside quoted strings (RFC 9110 §5.6.4). */
std::string_view next_element(std::string_view& rest) {
    bool quoted = false;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        char c = rest[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            auto element = rest.substr(0, i);
            rest.remove_prefix(i + 1);
            return element;
        }
    }
    auto element = rest;
    rest = {};
    return element;
}

} // namespace

bool prefers(const boost::beast::http::fields& fields, std::string_view token) {
    auto [first, last] = fields.equal_range("Prefer");
    for (auto it = first; it != last; ++it) {
        std::string_view rest = it->value();
        while (!rest.empty())
            if (boost::beast::iequals(preference_name(next_element(rest)), token)) return true;
    }
    return false;
}

} // namespace keepdav::http_util
