#include "dav/headers.hpp"

#include "http/text.hpp"

#include <boost/beast/core/string.hpp>

namespace keepdav::dav {

std::optional<depth> parse_depth(std::string_view value, bool present, depth absent_means) {
    if (!present) return absent_means;
    value = http_util::trim_ows(value);
    if (value == "0") return depth::zero;
    if (value == "1") return depth::one;
    if (boost::beast::iequals(value, "infinity")) return depth::infinity;
    return std::nullopt;
}

std::optional<bool> parse_overwrite(std::string_view value, bool present) {
    if (!present) return true;
    value = http_util::trim_ows(value);
    if (value == "T" || value == "t") return true;
    if (value == "F" || value == "f") return false;
    return std::nullopt;
}

} // namespace keepdav::dav
