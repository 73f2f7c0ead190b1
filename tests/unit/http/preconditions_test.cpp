// RFC 9110 §13 conditional requests, in the order §13.2.2 evaluates them.
#include "http/date.hpp"
#include "http/preconditions.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/field.hpp>

using namespace keepdav::http_util;
namespace http = boost::beast::http;
using p = precondition;

namespace {

const validators existing{true, "\"v1\"", 1'000'000};
const validators missing{};

precondition eval(std::initializer_list<std::pair<http::field, std::string>> headers, bool safe, const validators& v) {
    http::fields f;
    for (const auto& [name, value] : headers) f.set(name, value);
    return evaluate_preconditions(f, safe, v);
}

const std::string before = format_http_date(999'999);
const std::string at = format_http_date(1'000'000);

} // namespace

TEST_CASE("If-Match: strong comparison, * and lists", "[unit][conditional]") {
    CHECK(eval({{http::field::if_match, "\"v1\""}}, false, existing) == p::proceed);
    CHECK(eval({{http::field::if_match, "\"x\", \"v1\""}}, false, existing) == p::proceed);
    CHECK(eval({{http::field::if_match, "W/\"v1\""}}, false, existing) == p::failed);
    CHECK(eval({{http::field::if_match, "\"v2\""}}, true, existing) == p::failed);
    CHECK(eval({{http::field::if_match, "*"}}, false, existing) == p::proceed);
    CHECK(eval({{http::field::if_match, "*"}}, false, missing) == p::failed);
}

TEST_CASE("If-None-Match: weak comparison, 304 for GET, 412 otherwise", "[unit][conditional]") {
    CHECK(eval({{http::field::if_none_match, "\"v1\""}}, true, existing) == p::not_modified);
    CHECK(eval({{http::field::if_none_match, "W/\"v1\""}}, true, existing) == p::not_modified);
    CHECK(eval({{http::field::if_none_match, "\"v1\""}}, false, existing) == p::failed);
    CHECK(eval({{http::field::if_none_match, "\"v2\""}}, true, existing) == p::proceed);
    CHECK(eval({{http::field::if_none_match, "*"}}, false, existing) == p::failed);
    CHECK(eval({{http::field::if_none_match, "*"}}, false, missing) == p::proceed);
}

TEST_CASE("dates: If-Modified-Since and If-Unmodified-Since", "[unit][conditional]") {
    CHECK(eval({{http::field::if_modified_since, at}}, true, existing) == p::not_modified);
    CHECK(eval({{http::field::if_modified_since, before}}, true, existing) == p::proceed);
    CHECK(eval({{http::field::if_modified_since, at}}, false, existing) == p::proceed); // GET/HEAD only
    CHECK(eval({{http::field::if_modified_since, "not a date"}}, true, existing) == p::proceed);
    CHECK(eval({{http::field::if_unmodified_since, before}}, false, existing) == p::failed);
    CHECK(eval({{http::field::if_unmodified_since, at}}, false, existing) == p::proceed);
}

TEST_CASE("evaluation order: If-Match wins over If-Unmodified-Since, If-None-Match over If-Modified-Since",
          "[unit][conditional]") {
    CHECK(eval({{http::field::if_match, "\"v1\""}, {http::field::if_unmodified_since, before}}, false, existing) ==
          p::proceed);
    CHECK(eval({{http::field::if_none_match, "\"v2\""}, {http::field::if_modified_since, at}}, true, existing) ==
          p::proceed);
}
