#include "dav/headers.hpp"

#include <boost/beast/core/string.hpp>

namespace keepdav::dav {

namespace {
std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}
} // namespace

std::optional<depth> parse_depth(std::string_view value, bool present, depth absent_means) {
    if (!present) return absent_means;
    value = trim(value);
    if (value == "0") return depth::zero;
    if (value == "1") return depth::one;
    if (boost::beast::iequals(value, "infinity")) return depth::infinity;
    return std::nullopt;
}

std::optional<bool> parse_overwrite(std::string_view value, bool present) {
    if (!present) return true;
    value = trim(value);
    if (value == "T" || value == "t") return true;
    if (value == "F" || value == "f") return false;
    return std::nullopt;
}

} // namespace keepdav::dav
