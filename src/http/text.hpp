#pragma once
#include <string_view>

namespace keepdav::http_util {

/** Strips optional whitespace (RFC 9110 §5.6.3: spaces and tabs) from both ends. */
constexpr std::string_view trim_ows(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

} // namespace keepdav::http_util
