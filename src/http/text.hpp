#pragma once
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace keepdav::http_util {

/** Strips optional whitespace (RFC 9110 §5.6.3: spaces and tabs) from both ends. */
constexpr std::string_view trim_ows(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

/** A whole field value (or part) as a non-negative decimal number: digits only, nothing around them. */
inline std::optional<std::uint64_t> parse_decimal(std::string_view text) {
    std::uint64_t n = 0;
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

} // namespace keepdav::http_util
