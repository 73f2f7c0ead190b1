// One byte range out of a Range header (RFC 9110 §14).
#include "http/byte_range.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::http_util;
using kind = range_request::kind;

TEST_CASE("ranges that are served as 206", "[unit][range]") {
    auto [header, offset, length] = GENERATE(table<std::string, std::uint64_t, std::uint64_t>({
        {"bytes=0-3", 0, 4},
        {"bytes=2-", 2, 98},
        {"bytes=-10", 90, 10},
        {"bytes=95-200", 95, 5},
        {"bytes= 1-2 , 5-6", 1, 6}, // coalesced into the one range that spans both
        {"BYTES=0-0", 0, 1},
    }));
    INFO(header);
    auto r = parse_range(header, 100);
    REQUIRE(r.type == kind::partial);
    CHECK(r.offset == offset);
    CHECK(r.length == length);
}

TEST_CASE("ranges beyond the end are 416", "[unit][range]") {
    CHECK(parse_range("bytes=100-", 100).type == kind::unsatisfiable);
    CHECK(parse_range("bytes=200-300", 100).type == kind::unsatisfiable);
    CHECK(parse_range("bytes=-0", 100).type == kind::unsatisfiable);
    CHECK(parse_range("bytes=0-", 0).type == kind::unsatisfiable);
}

TEST_CASE("invalid or whole-file ranges are served whole", "[unit][range]") {
    auto header = GENERATE(as<std::string>{}, "", "items=0-1", "bytes=", "bytes=5-1", "bytes=a-b", "bytes=1", "bytes=0-99",
                           "bytes=-100", "bytes=0-");
    INFO(header);
    CHECK(parse_range(header, 100).type == kind::whole);
}
