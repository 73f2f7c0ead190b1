#pragma once
// Where a partial update writes: the Content-Range of a PUT (RFC 9110 §14.4, §14.5) or sabre/dav's
// X-Update-Range of a PATCH (https://sabre.io/dav/http-patch/). Values only: resolving one against a
// file's size is the caller's.
#include <cstdint>
#include <optional>
#include <string_view>

namespace keepdav::http_util {

struct update_range {
    enum class kind {
        span,   ///< bytes first..last, both inclusive
        from,   ///< from byte `first` on, as long as the body
        suffix, ///< from `suffix` bytes before the end of the file on, as long as the body
        append, ///< after the last byte of the file
    } type = kind::span;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t suffix = 0;
};

/**
 * A request's Content-Range: `bytes first-last/complete`, or with `*` for an unknown complete length
 * (§14.4's range-resp; the unsatisfied form, an asterisk for the range, is a response's only). Nothing when it is
 * malformed, last < first, or last is not below a stated complete length: §14.4 calls such a range
 * invalid, and §14.5 lets the server refuse it with 400. The complete length is checked, not used:
 * as Apache's mod_dav does, the update never truncates the file.
 */
std::optional<update_range> parse_content_range(std::string_view value);

/**
 * X-Update-Range as sabre/dav reads it: `append`, `bytes=first-last`, `bytes=first-` or
 * `bytes=-suffix`. Nothing when it is none of these. A span whose last byte precedes its first
 * parses: sabre answers that with 416, not 400.
 */
std::optional<update_range> parse_x_update_range(std::string_view value);

} // namespace keepdav::http_util
