#include "http/prefer.hpp"

#include <catch2/catch.hpp>

namespace http = boost::beast::http;
using keepdav::http_util::prefers;

namespace {
http::fields with(std::initializer_list<const char*> values) {
    http::fields f;
    for (auto v : values) f.insert("Prefer", v);
    return f;
}
} // namespace

TEST_CASE("Prefer states respond-async in any of RFC 7240's forms", "[prefer]") {
    CHECK(prefers(with({"respond-async"}), "respond-async"));
    CHECK(prefers(with({"Respond-Async"}), "respond-async"));
    CHECK(prefers(with({"wait=10, respond-async"}), "respond-async"));
    CHECK(prefers(with({" respond-async ; foo=bar"}), "respond-async"));
    CHECK(prefers(with({"return=minimal", "respond-async"}), "respond-async"));
    CHECK(prefers(with({"respond-async=\"\""}), "respond-async"));
}

TEST_CASE("Prefer without respond-async does not state it", "[prefer]") {
    CHECK_FALSE(prefers(with({}), "respond-async"));
    CHECK_FALSE(prefers(with({""}), "respond-async"));
    CHECK_FALSE(prefers(with({"return=minimal"}), "respond-async"));
    CHECK_FALSE(prefers(with({"respond-asynchronously"}), "respond-async"));
    CHECK_FALSE(prefers(with({"x=\"a, respond-async\""}), "respond-async")); // inside a quoted value
    http::fields other;
    other.insert("Preference", "respond-async");
    CHECK_FALSE(prefers(other, "respond-async"));
}
