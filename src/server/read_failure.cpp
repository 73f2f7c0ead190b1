#include "server/read_failure.hpp"

#include "dav/handler.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace keepdav::server {

namespace {

bool client_left(boost::system::error_code ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof ||
           ec == net::error::connection_reset;
}

} // namespace

read_failure header_read_failure(boost::system::error_code ec, bool bytes_seen) {
    if (client_left(ec) || ec == net::error::operation_aborted) return {};
    if (ec == beast::error::timeout) // with nothing sent, an idle keep-alive connection: no error
        return {std::nullopt, bytes_seen ? "timed out reading a request header" : "", false};
    auto status =
        ec == http::error::header_limit ? http::status::request_header_fields_too_large : http::status::bad_request;
    return {dav::error_reply(status, ec.message()), "bad request header: " + ec.message(), false};
}

read_failure body_read_failure(boost::system::error_code ec, std::uint64_t limit, std::uint64_t min_rate) {
    if (ec == http::error::body_limit) {
        auto detail = "request body over " + std::to_string(limit) + " bytes";
        return {dav::error_reply(http::status::payload_too_large, detail), detail, false};
    }
    if (ec == beast::error::timeout)
        return {dav::error_reply(http::status::request_timeout, "request body stalled"),
                "the request body stalled or came slower than " + std::to_string(min_rate) + " bytes/s; cut off", true};
    if (client_left(ec)) return {std::nullopt, "client closed the connection before the body ended", false};
    return {dav::error_reply(http::status::bad_request, ec.message()), "bad request body: " + ec.message(), false};
}

read_failure upload_read_failure(boost::system::error_code ec, std::uint64_t limit, std::uint64_t min_rate,
                                 std::string_view who) {
    // Writing to disk failed (disk full, quota): say so; upload_failure_reply logs it.
    if (ec.category() == boost::system::system_category() && !client_left(ec))
        return {dav::upload_failure_reply(ec, who), "", false};
    return body_read_failure(ec, limit, min_rate);
}

} // namespace keepdav::server
