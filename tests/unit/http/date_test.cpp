#include "http/date.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::http_util;

TEST_CASE("HTTP dates are formatted in IMF-fixdate, independent of locale", "[unit][date]") {
    CHECK(format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(format_rfc3339(784111777) == "1994-11-06T08:49:37Z");
}

TEST_CASE("the three date forms of RFC 9110 §5.6.7 parse, and anything else does not", "[unit][date]") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
    CHECK_FALSE(parse_http_date(""));
    CHECK_FALSE(parse_http_date("yesterday"));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
    CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
    auto now = std::time(nullptr);
    CHECK(parse_http_date(format_http_date(now)) == now);
}
