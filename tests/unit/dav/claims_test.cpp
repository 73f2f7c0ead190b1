#include "dav/claims.hpp"

#include <catch2/catch.hpp>

using keepdav::dav::claims_for;
using keepdav::dav::request_header;
namespace http = boost::beast::http;

namespace {

request_header head(http::verb method, const char* target, const char* destination = nullptr) {
    request_header h;
    h.method(method);
    h.target(target);
    h.set(http::field::host, "example.org");
    if (destination) h.set(http::field::destination, destination);
    return h;
}

} // namespace

TEST_CASE("writing methods claim their target exclusively, reading methods claim nothing", "[dav][claims]") {
    for (auto method : {http::verb::put, http::verb::patch, http::verb::delete_, http::verb::mkcol, http::verb::proppatch, http::verb::lock,
                        http::verb::unlock}) {
        auto claims = claims_for(head(method, "/a/b%20c/"), false, "example.org");
        REQUIRE(claims.size() == 1);
        CHECK(claims[0].path == "a/b c");
        CHECK(claims[0].exclusive);
    }
    for (auto method : {http::verb::get, http::verb::head, http::verb::options, http::verb::propfind})
        CHECK(claims_for(head(method, "/a"), false, "example.org").empty());
}

TEST_CASE("COPY reads its source shared and writes its destination, MOVE writes both", "[dav][claims]") {
    auto copy = claims_for(head(http::verb::copy, "/src/", "http://example.org/dst/"), false, "example.org");
    REQUIRE(copy.size() == 2);
    CHECK((copy[0].path == "src" && !copy[0].exclusive));
    CHECK((copy[1].path == "dst" && copy[1].exclusive));
    auto move = claims_for(head(http::verb::move, "/src", "/dst"), false, "example.org");
    REQUIRE(move.size() == 2);
    CHECK((move[0].exclusive && move[1].exclusive));
    // A Destination the handler will refuse claims nothing beyond the source.
    CHECK(claims_for(head(http::verb::move, "/src", "http://elsewhere/dst"), false, "example.org").size() == 1);
    CHECK(claims_for(head(http::verb::delete_, "/../x"), false, "example.org").empty());
}

TEST_CASE("a Destination is weighed against the authority the client used, not the Host keepdav saw", "[dav][claims]") {
    // Behind a proxy that rewrote Host to keepdav's own address, the client's Destination names the public host.
    auto h = head(http::verb::copy, "/src/", "https://dav.example.com/dst/");
    h.set(http::field::host, "127.0.0.1:8080");
    CHECK(claims_for(h, false, "127.0.0.1:8080").size() == 1);
    auto claims = claims_for(h, true, "dav.example.com");
    REQUIRE(claims.size() == 2);
    CHECK(claims[1].path == "dst");
}
