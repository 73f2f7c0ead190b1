#pragma once
// The interim responses keepdav sends: 102 Processing with what the operation has done (RFC 2518
// §9.7 Status-URI, Keepdav-Progress), and the 103 Early Hints of the test hooks. A 1xx carries no
// Content-Length and no body (RFC 9110 §15.2).
#include "dav/progress.hpp"
#include "net.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace keepdav::server {

/** The most a 102's Status-URI carries: proxies and clients bound a header's size. */
constexpr std::size_t max_status_uri_bytes = 2048;

/**
 * `STATUS <absolute-URL>` pairs, space-separated, for the resources in `recent` (RFC 2518 §9.7),
 * as many as fit in max_status_uri_bytes; `base` is "scheme://host" (and --prefix).
 */
std::string status_uri(const std::vector<dav::operation_progress::finished>& recent, std::string_view base);

/** A 102 with the progress since the last one: Status-URI (when anything finished) and the totals. */
http::response<http::empty_body> processing_message(const dav::operation_progress::snapshot& progress,
                                                     std::string_view base, std::chrono::milliseconds elapsed);

/** A 103 Early Hints (RFC 8297) with one Link: the test hooks' other kind of interim response. */
http::response<http::empty_body> early_hints_message();

/** Any other 1xx, bare: for Keepdav-Interim-Status (104 gets its draft's reason phrase). */
http::response<http::empty_body> interim_status_message(unsigned status);

} // namespace keepdav::server
