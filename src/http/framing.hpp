#pragma once
// Request framing rules a parser alone does not enforce (RFC 9112): a request whose body length
// cannot be determined reliably is refused and its connection closed, so that no byte of it can be
// taken for the next request (request smuggling).
#include <boost/beast/http/message.hpp>

#include <optional>
#include <string>

namespace keepdav::http_util {

struct framing_refusal {
    boost::beast::http::status status;
    std::string reason; ///< for the client and the log
};

/**
 * Checks a parsed request header: Host (RFC 9112 §3.2) and Transfer-Encoding (§6.1, §6.3). Answers
 * nothing when the request may be served; any refusal means the connection must close after it.
 */
std::optional<framing_refusal> check_request_framing(const boost::beast::http::request_header<>& head);

/**
 * True when the request carries a body: Transfer-Encoding, or a Content-Length other than 0 (RFC 9112
 * §6.3: a request with neither has none). For a header check_request_framing has accepted.
 */
bool has_body(const boost::beast::http::request_header<>& head);

} // namespace keepdav::http_util
