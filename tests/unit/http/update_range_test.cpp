// Where a partial update writes: a PUT's Content-Range (RFC 9110 §14.4) and sabre/dav's X-Update-Range.
#include "http/update_range.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace keepdav::http_util;
using kind = update_range::kind;

TEST_CASE("Content-Range forms a PUT may carry", "[unit][update_range]") {
    auto [header, first, last] = GENERATE(table<std::string, std::uint64_t, std::uint64_t>({
        {"bytes 0-3/10", 0, 3},
        {"bytes 5-9/*", 5, 9},
        {"BYTES 7-7/8", 7, 7},
        {" bytes 0-0/1 ", 0, 0},
        {"bytes 1048576-1052671/*", 1048576, 1052671},
    }));
    INFO(header);
    auto r = parse_content_range(header);
    REQUIRE(r);
    CHECK(r->type == kind::span);
    CHECK(r->first == first);
    CHECK(r->last == last);
}

TEST_CASE("invalid Content-Range values are refused", "[unit][update_range]") {
    auto header = GENERATE(as<std::string>{}, "", "bytes", "bytes 0-3", "bytes=0-3/10", "bytes */10", "bytes 3-0/10",
                           "bytes 0-10/10", "bytes -3/10", "bytes 0-/10", "bytes 0-3/", "bytes 0-3/x", "items 0-3/10",
                           "bytes 0-3/10,5-6/10", "bytes 0x1-3/10", "bytes +1-3/10", "bytes 0-99999999999999999999/*");
    INFO(header);
    CHECK_FALSE(parse_content_range(header));
}

TEST_CASE("X-Update-Range forms sabre/dav defines", "[unit][update_range]") {
    auto append = parse_x_update_range("append");
    REQUIRE(append);
    CHECK(append->type == kind::append);
    CHECK(parse_x_update_range("APPEND")->type == kind::append);

    auto span = parse_x_update_range("bytes=3-6");
    REQUIRE(span);
    CHECK(span->type == kind::span);
    CHECK(span->first == 3);
    CHECK(span->last == 6);

    auto from = parse_x_update_range("bytes=12-");
    REQUIRE(from);
    CHECK(from->type == kind::from);
    CHECK(from->first == 12);

    auto suffix = parse_x_update_range("bytes=-4");
    REQUIRE(suffix);
    CHECK(suffix->type == kind::suffix);
    CHECK(suffix->suffix == 4);

    // sabre answers 416 for an end before the start, not 400: the parse keeps it.
    auto backwards = parse_x_update_range("bytes=6-3");
    REQUIRE(backwards);
    CHECK(backwards->last < backwards->first);
}

TEST_CASE("invalid X-Update-Range values are refused", "[unit][update_range]") {
    auto header = GENERATE(as<std::string>{}, "", "bytes=", "bytes=-", "bytes=a-b", "bytes 0-3", "bytes=0-3/10",
                           "bytes=0-3,5-6", "appendix", "prepend", "bytes=--3", "bytes=3", "range=0-3");
    INFO(header);
    CHECK_FALSE(parse_x_update_range(header));
}
