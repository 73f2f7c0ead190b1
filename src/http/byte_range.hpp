#pragma once
// Range requests (RFC 9110 §14) for one byte range. A request for several ranges is answered with
// the one range that spans them (§14.2 lets a server coalesce), never multipart/byteranges.
#include <cstdint>
#include <string_view>

namespace keepdav::http_util {

struct range_request {
    enum class kind {
        whole,         ///< no usable Range header: 200 with everything
        partial,       ///< 206 with [offset, offset + length)
        unsatisfiable, ///< 416
    } type = kind::whole;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/** Interprets a Range header value for a representation of `size` bytes. */
range_request parse_range(std::string_view header, std::uint64_t size);

} // namespace keepdav::http_util
