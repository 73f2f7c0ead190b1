#include "http/framing.hpp"

#include "http/text.hpp"

#include <boost/beast/core/string.hpp>

namespace keepdav::http_util {

namespace http = boost::beast::http;

namespace {

/** The transfer codings of every Transfer-Encoding field, in order, as one list (RFC 9110 §5.3). */
std::vector<std::string_view> transfer_codings(const http::request_header<>& head) {
    std::vector<std::string_view> codings;
    auto [first, last] = head.equal_range(http::field::transfer_encoding);
    for (auto field = first; field != last; ++field) {
        std::string_view list = field->value();
        while (!list.empty()) {
            auto comma = list.find(',');
            auto item = trim_ows(list.substr(0, comma));
            // Parameters (";q=...") belong to the coding; its name is what decides.
            item = trim_ows(item.substr(0, item.find(';')));
            if (!item.empty()) codings.push_back(item);
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        }
    }
    return codings;
}

} // namespace

std::optional<framing_refusal> check_request_framing(const http::request_header<>& head) {
    // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host, and to any
    // request with more than one Host field.
    auto hosts = head.count(http::field::host);
    if (hosts > 1) return framing_refusal{http::status::bad_request, "more than one Host header field"};
    if (hosts == 0 && head.version() >= 11)
        return framing_refusal{http::status::bad_request, "an HTTP/1.1 request needs a Host header field"};

    if (head.count(http::field::transfer_encoding) == 0) return std::nullopt;
    // §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
    if (head.version() < 11)
        return framing_refusal{http::status::bad_request, "Transfer-Encoding in an HTTP/1.0 request"};
    // §6.1: Content-Length beside Transfer-Encoding is a smuggling attempt or a broken client.
    if (head.count(http::field::content_length))
        return framing_refusal{http::status::bad_request, "both Transfer-Encoding and Content-Length"};
    auto codings = transfer_codings(head);
    // §6.3 item 4: unless chunked is the final coding, the length of the body cannot be known: 400.
    if (codings.empty() || !boost::beast::iequals(codings.back(), "chunked"))
        return framing_refusal{http::status::bad_request, "Transfer-Encoding whose final coding is not chunked"};
    // §7.1: chunked is applied once; any other coding before it is one this server does not decode:
    // §6.1 says 501.
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
        if (boost::beast::iequals(codings[i], "chunked"))
            return framing_refusal{http::status::bad_request, "chunked applied more than once"};
        return framing_refusal{http::status::not_implemented,
                               "transfer coding \"" + std::string(codings[i]) + "\" is not supported"};
    }
    return std::nullopt;
}

bool has_body(const http::request_header<>& head) {
    if (head.count(http::field::transfer_encoding)) return true;
    auto length = head[http::field::content_length];
    return !length.empty() && length != "0";
}

} // namespace keepdav::http_util
