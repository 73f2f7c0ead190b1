// From request-targets and Destination headers to paths beneath the root, and back to hrefs.
#include "dav/target.hpp"

#include "support/result_printing.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::dav;

TEST_CASE("request-targets decode to a path beneath the root", "[unit][target]") {
    auto [target, rel, slash] = GENERATE(table<std::string, std::string, bool>({
        {"/", "", true},
        {"/a/b", "a/b", false},
        {"/a/b/", "a/b", true},
        {"/a//b", "a/b", false},
        {"/caf%C3%A9/%20x", "caf\xC3\xA9/ x", false},
        {"/a?query=1", "a", false},
        {"/100%25", "100%", false},
        {"http://host:8080/x/y", "x/y", false},
        {"/./a", "a", false}, // Boost.URL reads a leading "/." as a path prefix: the same as removing the dot
    }));
    INFO(target);
    auto path = parse_target(target);
    REQUIRE(path);
    CHECK(path->rel == rel);
    CHECK(path->trailing_slash == slash);
}

TEST_CASE("targets that could climb out of the root are refused", "[unit][target]") {
    auto target = GENERATE(as<std::string>{}, "/..", "/a/../b", "/a/%2e%2e/b", "/%2E%2E", "/a/./b", "/%2e/a", "/a/%2F/b", "/a%2fb",
                           "/a%00b", "/a%5Cb", "/a\\b");
    INFO(target);
    auto path = parse_target(target);
    REQUIRE_FALSE(path);
    CHECK((path.error() == target_errc::forbidden_segment || path.error() == target_errc::malformed));
}

TEST_CASE("malformed targets are refused", "[unit][target]") {
    auto target = GENERATE(as<std::string>{}, "", "a/b", "/a b", "/a#frag", "*", "/%zz");
    INFO(target);
    CHECK_FALSE(parse_target(target));
}

TEST_CASE("Destination must be on this server", "[unit][target]") {
    CHECK(parse_destination("http://host:8080/d", "host:8080", false)->rel == "d");
    CHECK(parse_destination("http://HOST:8080/d", "host:8080", false));
    CHECK(parse_destination("http://host/d", "host:80", false));
    CHECK(parse_destination("http://host:80/d", "host", false));
    CHECK(parse_destination("/abs/path", "host", false)->rel == "abs/path");
    CHECK(parse_destination("http://other:8080/d", "host:8080", false).error() == target_errc::other_server);
    CHECK(parse_destination("http://host:9090/d", "host:8080", false).error() == target_errc::other_server);
    CHECK(parse_destination("https://host:8080/d", "host:8080", false).error() == target_errc::other_server);
    CHECK(parse_destination("ftp://host:8080/d", "host:8080", false).error() == target_errc::other_server);
    CHECK_FALSE(parse_destination("relative/path", "host", false));
    CHECK(parse_destination("http://host/../etc", "host", false).error() == target_errc::forbidden_segment);
}

TEST_CASE("hrefs are percent-encoded per segment", "[unit][target]") {
    CHECK(href_for("", true) == "/");
    CHECK(href_for("a/b", false) == "/a/b");
    CHECK(href_for("a/b", true) == "/a/b/");
    CHECK(href_for("sp ace/h#sh/p%t", false) == "/sp%20ace/h%23sh/p%25t");
    CHECK(href_for("caf\xC3\xA9", false) == "/caf%C3%A9");
    // What href_for writes, parse_target reads back.
    CHECK(parse_target(href_for("x y/#?%/\xC3\xBC", false))->rel == "x y/#?%/\xC3\xBC");
}

TEST_CASE("under --prefix, a target's leading segments must be the prefix's and are taken off", "[unit][target]") {
    auto [target, rel, slash] = GENERATE(table<std::string, std::string, bool>({
        {"/dav", "", true},
        {"/dav/", "", true},
        {"/dav/a/b", "a/b", false},
        {"/d%61v/a/", "a", true}, // compared decoded
        {"//dav//a", "a", false},
        {"http://host/dav/x", "x", false},
    }));
    CAPTURE(target);
    auto path = parse_target(target, "/dav");
    REQUIRE(path);
    CHECK(path->rel == rel);
    CHECK(path->trailing_slash == slash);
    CHECK(parse_target("/a/b/c", "/a/b")->rel == "c");
    for (std::string outside : {"/", "/davx/a", "/da", "/a/dav", "/DAV/a", "http://host/x"}) {
        CAPTURE(outside);
        CHECK(parse_target(outside, "/dav").error() == target_errc::outside_prefix);
    }
    CHECK(parse_target("/a/x", "/a/b").error() == target_errc::outside_prefix);
}

TEST_CASE("under --prefix, Destinations and hrefs carry the prefix", "[unit][target]") {
    CHECK(parse_destination("http://host:8080/dav/d", "host:8080", false, "/dav")->rel == "d");
    CHECK(parse_destination("/dav/a/b/", "host", false, "/dav")->rel == "a/b");
    CHECK(parse_destination("/d", "host", false, "/dav").error() == target_errc::outside_prefix);
    CHECK(parse_destination("http://other/dav/d", "host", false, "/dav").error() == target_errc::other_server);
    CHECK(href_for("", true, "/dav") == "/dav/");
    CHECK(href_for("a b", false, "/dav") == "/dav/a%20b");
    CHECK(href_for("a", true, "/x/y") == "/x/y/a/");
    CHECK(parse_target(href_for("x y/\xC3\xBC", false, "/p"), "/p")->rel == "x y/\xC3\xBC");
}

TEST_CASE("the prefix is normalised to one leading slash and none trailing, and checked", "[unit][target]") {
    CHECK(normalize_prefix("/") == "");
    CHECK(normalize_prefix("") == "");
    CHECK(normalize_prefix("/dav") == "/dav");
    CHECK(normalize_prefix("dav/") == "/dav");
    CHECK(normalize_prefix("/a/b-c_d.e~f/") == "/a/b-c_d.e~f");
    for (std::string bad : {"/a//b", "//", "/a/../b", "/.", "/a b", "/a%20b", "/a?b", "/a#b", "/caf\xC3\xA9"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(normalize_prefix(bad), std::invalid_argument);
    }
}
