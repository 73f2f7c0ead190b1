#include "server/read_failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <catch2/catch.hpp>

namespace http = boost::beast::http;
namespace net = boost::asio;
using keepdav::server::body_read_failure;
using keepdav::server::header_read_failure;
using keepdav::server::upload_read_failure;

TEST_CASE("a header read that ends because the client left or went idle closes without a word", "[server][read_failure]") {
    for (auto ec : {make_error_code(http::error::end_of_stream), make_error_code(http::error::partial_message),
                    make_error_code(net::error::eof), make_error_code(net::error::connection_reset),
                    make_error_code(net::error::operation_aborted)}) {
        auto f = header_read_failure(ec, true);
        CHECK_FALSE(f.answer);
        CHECK(f.log_line.empty());
    }
    auto idle = header_read_failure(boost::beast::error::timeout, false);
    CHECK_FALSE(idle.answer);
    CHECK(idle.log_line.empty());
    auto dribbled = header_read_failure(boost::beast::error::timeout, true);
    CHECK_FALSE(dribbled.answer);
    CHECK(dribbled.log_line == "timed out reading a request header");
}

TEST_CASE("a malformed or oversized header is answered 400 or 431", "[server][read_failure]") {
    auto big = header_read_failure(http::error::header_limit, true);
    REQUIRE(big.answer);
    CHECK(big.answer->status == http::status::request_header_fields_too_large);
    auto bad = header_read_failure(http::error::bad_target, true);
    REQUIRE(bad.answer);
    CHECK(bad.answer->status == http::status::bad_request);
    CHECK(bad.log_line.rfind("bad request header: ", 0) == 0);
}

TEST_CASE("a body read failure: 413 over the limit, 408 when it stalls, silence when the client left", "[server][read_failure]") {
    auto over = body_read_failure(http::error::body_limit, 1000, 10);
    REQUIRE(over.answer);
    CHECK(over.answer->status == http::status::payload_too_large);
    CHECK(over.log_line == "request body over 1000 bytes");

    auto stalled = body_read_failure(boost::beast::error::timeout, 1000, 10);
    REQUIRE(stalled.answer);
    CHECK(stalled.answer->status == http::status::request_timeout);
    CHECK(stalled.server_closed);

    auto left = body_read_failure(http::error::partial_message, 1000, 10);
    CHECK_FALSE(left.answer);
    CHECK_FALSE(left.server_closed);

    auto bad = body_read_failure(http::error::bad_chunk, 1000, 10);
    REQUIRE(bad.answer);
    CHECK(bad.answer->status == http::status::bad_request);
}

TEST_CASE("an upload whose file cannot be written is the disk's failure, never the client's", "[server][read_failure]") {
    auto full = upload_read_failure({ENOSPC, boost::system::system_category()}, 0, 10, "test");
    REQUIRE(full.answer);
    CHECK(full.answer->status == http::status::insufficient_storage);
    CHECK(full.answer->close_connection);
    auto left = upload_read_failure(http::error::partial_message, 0, 10, "test");
    CHECK_FALSE(left.answer);
}
