// The litter clients wrote lately: remembered, bounded, forgotten.
#include "dav/litter_memory.hpp"

#include <catch2/catch.hpp>

using keepdav::dav::litter_memory;
using namespace std::chrono_literals;

TEST_CASE("Litter written is found until it expires or is removed, with everything below it", "[dav][litter]") {
    litter_memory m(10, 1h);
    auto t0 = litter_memory::clock::now();
    m.wrote("d/._a", false, t0);
    m.wrote("d/.Trashes", true, t0);
    m.wrote("d/.Trashes/501", true, t0);
    m.wrote("d/.Trashes 2", true, t0);
    REQUIRE(m.find("d/._a", t0 + 59min));
    CHECK_FALSE(m.find("d/._a")->collection);
    CHECK(m.find("d/.Trashes", t0)->collection);
    CHECK_FALSE(m.find("d/._a", t0 + 1h));
    CHECK_FALSE(m.find("d/._b", t0));
    m.removed("d/.Trashes");
    CHECK_FALSE(m.find("d/.Trashes", t0));
    CHECK_FALSE(m.find("d/.Trashes/501", t0));
    CHECK(m.find("d/.Trashes 2", t0)); // a sibling whose name only starts the same stays
}

TEST_CASE("Litter memory holds at most its capacity, dropping the expired, then the oldest", "[dav][litter]") {
    litter_memory m(3, 1h);
    auto t0 = litter_memory::clock::now();
    m.wrote("a", false, t0);
    m.wrote("b", false, t0 + 1s);
    m.wrote("c", false, t0 + 2s);
    m.wrote("d", false, t0 + 3s);
    CHECK(m.size() == 3);
    CHECK_FALSE(m.find("a", t0 + 3s));
    CHECK(m.find("d", t0 + 3s));
    m.wrote("d", false, t0 + 4s); // written again: no room needed
    CHECK(m.find("b", t0 + 4s));
    m.wrote("e", false, t0 + 2h); // all expired by then
    CHECK(m.size() == 1);
}
