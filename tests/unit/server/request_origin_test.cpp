#include "server/request_origin.hpp"

#include <catch2/catch.hpp>

using keepdav::server::origin_of;
using keepdav::server::parse_public_url;
using keepdav::server::request_origin;
namespace http = boost::beast::http;

namespace {

http::fields with(std::initializer_list<std::pair<const char*, const char*>> fields) {
    http::fields f;
    f.set(http::field::host, "127.0.0.1:8080");
    for (auto [name, value] : fields) f.insert(name, value);
    return f;
}

} // namespace

TEST_CASE("request_origin: the connection and Host, unless a trusted proxy says otherwise", "[server][origin]") {
    auto plain = origin_of(with({}), false, false, std::nullopt);
    CHECK_FALSE(plain.https);
    CHECK(plain.host == "127.0.0.1:8080");
    CHECK(plain.base() == "http://127.0.0.1:8080");
    // Forwarding fields from a peer that is not trusted change nothing (anybody can send them).
    auto spoofed = origin_of(with({{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil.example"}}), false, false,
                             std::nullopt);
    CHECK_FALSE(spoofed.https);
    CHECK(spoofed.host == "127.0.0.1:8080");
    auto xf = origin_of(with({{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "dav.example.com"}}), false, true,
                        std::nullopt);
    CHECK(xf.https);
    CHECK(xf.host == "dav.example.com");
    CHECK(xf.base() == "https://dav.example.com");
}

TEST_CASE("request_origin: Forwarded's last element wins, quoted values unquoted, bad hosts ignored", "[server][origin]") {
    auto f = origin_of(with({{"Forwarded", "for=192.0.2.1;proto=http;host=inner, for=198.51.100.7;proto=https;host=\"dav.example.com:8443\""}}),
                       false, true, std::nullopt);
    CHECK(f.https);
    CHECK(f.host == "dav.example.com:8443");
    // Forwarded present: X-Forwarded-* are not mixed in.
    auto only = origin_of(with({{"Forwarded", "for=192.0.2.1"}, {"X-Forwarded-Proto", "https"}}), false, true, std::nullopt);
    CHECK_FALSE(only.https);
    auto bad = origin_of(with({{"X-Forwarded-Host", "user@evil/path"}}), false, true, std::nullopt);
    CHECK(bad.host == "127.0.0.1:8080");
    // Proto http from a trusted proxy in front of a TLS listener: the client spoke plain HTTP.
    CHECK_FALSE(origin_of(with({{"X-Forwarded-Proto", "http"}}), true, true, std::nullopt).https);
}

TEST_CASE("public URL (--public-url): scheme and authority only, and it overrides everything", "[server][origin]") {
    auto u = parse_public_url("https://dav.example.com:8443/");
    REQUIRE(u);
    CHECK(u->https);
    CHECK(u->host == "dav.example.com:8443");
    CHECK(origin_of(with({{"X-Forwarded-Host", "other"}}), false, true, u).host == "dav.example.com:8443");
    for (auto bad : {"ftp://x", "https://", "https://h/sub", "https://h?q", "https://u@h", "dav.example.com"})
        CHECK_FALSE(parse_public_url(bad));
}

TEST_CASE("client address: the peer, unless a trusted proxy names an address", "[server][origin]") {
    using keepdav::server::client_address_of;
    CHECK(client_address_of(with({{"X-Forwarded-For", "192.0.2.7"}}), "10.0.0.1", false) == "10.0.0.1");
    CHECK(client_address_of(with({{"X-Forwarded-For", "198.51.100.1, 192.0.2.7"}}), "10.0.0.1", true) == "192.0.2.7");
    CHECK(client_address_of(with({{"Forwarded", "for=198.51.100.1, for=\"[2001:db8::7]:4711\";proto=https"}}), "10.0.0.1",
                            true) == "2001:db8::7");
    CHECK(client_address_of(with({{"Forwarded", "for=192.0.2.7:8080"}}), "10.0.0.1", true) == "192.0.2.7");
    // Forwarded wins over X-Forwarded-For; an obfuscated or unknown node, or garbage, leaves the peer.
    CHECK(client_address_of(with({{"Forwarded", "for=_hidden"}, {"X-Forwarded-For", "192.0.2.7"}}), "10.0.0.1", true) ==
          "10.0.0.1");
    CHECK(client_address_of(with({{"X-Forwarded-For", "unknown"}}), "10.0.0.1", true) == "10.0.0.1");
    CHECK(client_address_of(with({{"X-Forwarded-For", "1.2.3.4 user=\"root\""}}), "10.0.0.1", true) == "10.0.0.1");
    CHECK(client_address_of(with({}), "10.0.0.1", true) == "10.0.0.1");
}
