#pragma once
// The header fields of resumable uploads (draft-ietf-httpbis-resumable-upload-15, §4.1): Structured
// Field Items (RFC 9651) read strictly, since the draft says a value of any other form makes the
// whole field be ignored, and the Upload-Limit dictionary written.
#include <boost/beast/http/fields.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keepdav::http_util {

/** An sf-boolean (RFC 9651 §3.3.6: "?0" or "?1", parameters allowed and ignored); nothing otherwise. */
std::optional<bool> sf_boolean(std::string_view value);

/** A non-negative sf-integer (RFC 9651 §3.3.1: at most 15 digits, parameters ignored); nothing otherwise. */
std::optional<std::uint64_t> sf_count(std::string_view value);

/** What a request says of its upload (draft §4.1.1-§4.1.3, Appendix "Draft Version Identification"). */
struct upload_fields {
    std::optional<bool> complete;          ///< Upload-Complete
    std::optional<std::uint64_t> offset;   ///< Upload-Offset
    std::optional<std::uint64_t> length;   ///< Upload-Length
    std::optional<std::uint64_t> interop;  ///< Upload-Draft-Interop-Version
};

/** The upload fields of `fields`; a field that occurs twice or is malformed counts as absent (draft §4.1). */
upload_fields upload_fields_of(const boost::beast::http::fields& fields);

/** The server's limits (draft §4.1.4) as the Upload-Limit dictionary: "max-size=N, max-age=S"; empty when none. */
std::string upload_limit_value(std::optional<std::uint64_t> max_size, std::optional<std::uint64_t> max_age);

/** Whether a Content-Type is the draft's application/partial-upload (§6), parameters and case aside. */
bool is_partial_upload(std::string_view content_type);

} // namespace keepdav::http_util
