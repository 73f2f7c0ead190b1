#pragma once
// WebDAV request headers (RFC 4918 §10) as values, or nullopt when a client sent something invalid.
#include <optional>
#include <string_view>

namespace keepdav::dav {

enum class depth { zero, one, infinity };

/** Depth: "0", "1" or "infinity"; an absent header yields `absent_means`. */
std::optional<depth> parse_depth(std::string_view value, bool present, depth absent_means);
/** Overwrite: "T" or "F"; absent means T (RFC 4918 §10.6). */
std::optional<bool> parse_overwrite(std::string_view value, bool present);

} // namespace keepdav::dav
