#include "http/framing.hpp"

#include <catch2/catch.hpp>

namespace http = boost::beast::http;
using keepdav::http_util::check_request_framing;

namespace {

http::request_header<> head(unsigned version, std::initializer_list<std::pair<http::field, const char*>> fields) {
    http::request_header<> h;
    h.method(http::verb::put);
    h.target("/f");
    h.version(version);
    for (auto& [name, value] : fields) h.insert(name, value);
    return h;
}

http::status refused_with(const http::request_header<>& h) {
    auto refusal = check_request_framing(h);
    return refusal ? refusal->status : http::status::ok;
}

} // namespace

TEST_CASE("Host: required in HTTP/1.1, never twice (RFC 9112 §3.2)", "[http][framing]") {
    CHECK(refused_with(head(11, {})) == http::status::bad_request);
    CHECK(refused_with(head(11, {{http::field::host, "a"}, {http::field::host, "b"}})) == http::status::bad_request);
    CHECK(refused_with(head(10, {{http::field::host, "a"}, {http::field::host, "a"}})) == http::status::bad_request);
    CHECK(refused_with(head(10, {})) == http::status::ok);
    CHECK(refused_with(head(11, {{http::field::host, "a"}})) == http::status::ok);
}

TEST_CASE("Transfer-Encoding must end in chunked, once, with nothing we cannot decode (RFC 9112 §6)", "[http][framing]") {
    auto with_te = [](const char* te) { return head(11, {{http::field::host, "h"}, {http::field::transfer_encoding, te}}); };
    CHECK(refused_with(with_te("chunked")) == http::status::ok);
    CHECK(refused_with(with_te(" Chunked ")) == http::status::ok);
    CHECK(refused_with(with_te("xchunked")) == http::status::bad_request);
    CHECK(refused_with(with_te("identity")) == http::status::bad_request);
    CHECK(refused_with(with_te("gzip")) == http::status::bad_request);
    CHECK(refused_with(with_te("chunked, identity")) == http::status::bad_request);
    CHECK(refused_with(with_te("chunked, chunked")) == http::status::bad_request);
    CHECK(refused_with(with_te("gzip, chunked")) == http::status::not_implemented);
    CHECK(refused_with(with_te("")) == http::status::bad_request);
    // Split over two fields, the list is the same (RFC 9110 §5.3).
    CHECK(refused_with(head(11, {{http::field::host, "h"}, {http::field::transfer_encoding, "chunked"},
                                 {http::field::transfer_encoding, "identity"}})) == http::status::bad_request);
    CHECK(refused_with(head(11, {{http::field::host, "h"}, {http::field::transfer_encoding, "chunked"},
                                 {http::field::content_length, "3"}})) == http::status::bad_request);
    CHECK(refused_with(head(10, {{http::field::transfer_encoding, "chunked"}})) == http::status::bad_request);
}

TEST_CASE("a request has a body when chunked or of non-zero Content-Length (RFC 9112 §6.3)", "[http][framing]") {
    using keepdav::http_util::has_body;
    CHECK_FALSE(has_body(head(11, {})));
    CHECK_FALSE(has_body(head(11, {{http::field::content_length, "0"}})));
    CHECK(has_body(head(11, {{http::field::content_length, "3"}})));
    CHECK(has_body(head(11, {{http::field::transfer_encoding, "chunked"}})));
}
