#include "dav/headers.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::dav;

TEST_CASE("Depth", "[unit][headers]") {
    CHECK(parse_depth("0", true, depth::infinity) == depth::zero);
    CHECK(parse_depth(" 1 ", true, depth::infinity) == depth::one);
    CHECK(parse_depth("Infinity", true, depth::zero) == depth::infinity);
    CHECK(parse_depth("", false, depth::one) == depth::one);
    CHECK_FALSE(parse_depth("2", true, depth::zero));
    CHECK_FALSE(parse_depth("", true, depth::zero));
}

TEST_CASE("Overwrite", "[unit][headers]") {
    CHECK(parse_overwrite("", false) == true);
    CHECK(parse_overwrite("T", true) == true);
    CHECK(parse_overwrite("F", true) == false);
    CHECK_FALSE(parse_overwrite("yes", true));
}
