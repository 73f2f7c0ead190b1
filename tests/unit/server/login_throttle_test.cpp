#include "server/login_throttle.hpp"

#include <catch2/catch.hpp>

using keepdav::server::login_throttle;
using namespace std::chrono_literals;

TEST_CASE("an address may fail N times, then is refused until a token comes back", "[server][throttle]") {
    login_throttle throttle(10);
    login_throttle::clock::time_point t0{};
    for (int i = 0; i < 10; ++i) {
        CHECK_FALSE(throttle.refused("192.0.2.1", t0));
        throttle.failed("192.0.2.1", t0);
    }
    auto wait = throttle.refused("192.0.2.1", t0);
    REQUIRE(wait);
    CHECK(*wait == 6s); // 10 a minute: one token every 6 s
    CHECK(throttle.refused("192.0.2.1", t0 + 5s) == std::optional(1s));
    CHECK_FALSE(throttle.refused("192.0.2.1", t0 + 6s));
    throttle.failed("192.0.2.1", t0 + 6s);
    CHECK(throttle.refused("192.0.2.1", t0 + 6s));
}

TEST_CASE("another address is not throttled by one that is", "[server][throttle]") {
    login_throttle throttle(2);
    login_throttle::clock::time_point t0{};
    throttle.failed("192.0.2.1", t0);
    throttle.failed("192.0.2.1", t0);
    CHECK(throttle.refused("192.0.2.1", t0) == std::optional(30s));
    CHECK_FALSE(throttle.refused("192.0.2.2", t0));
    CHECK_FALSE(throttle.refused("2001:db8::1", t0));
}

TEST_CASE("a minute without failures refills the whole burst, and no more", "[server][throttle]") {
    login_throttle throttle(3);
    login_throttle::clock::time_point t0{};
    for (int i = 0; i < 3; ++i) throttle.failed("a", t0);
    CHECK(throttle.refused("a", t0));
    auto later = t0 + 1h;
    for (int i = 0; i < 3; ++i) {
        CHECK_FALSE(throttle.refused("a", later));
        throttle.failed("a", later);
    }
    CHECK(throttle.refused("a", later));
}

TEST_CASE("0 per minute never throttles", "[server][throttle]") {
    login_throttle throttle(0);
    login_throttle::clock::time_point t0{};
    for (int i = 0; i < 1000; ++i) throttle.failed("a", t0);
    CHECK_FALSE(throttle.refused("a", t0));
    CHECK_FALSE(throttle.enabled());
}

TEST_CASE("the table is bounded: full buckets are forgotten, failing ones are kept", "[server][throttle]") {
    login_throttle throttle(1, 2);
    login_throttle::clock::time_point t0{};
    throttle.failed("a", t0);
    throttle.failed("b", t0);
    throttle.failed("c", t0); // the table is full of failing addresses: c goes untracked
    CHECK(throttle.refused("a", t0));
    CHECK(throttle.refused("b", t0));
    CHECK_FALSE(throttle.refused("c", t0));
    // A minute on, a and b are full again and make room.
    throttle.failed("c", t0 + 60s);
    CHECK(throttle.refused("c", t0 + 60s));
}

TEST_CASE("a token taken for a check that succeeds is given back", "[server][throttle]") {
    login_throttle throttle(2);
    login_throttle::clock::time_point t0{};
    throttle.failed("a", t0);
    throttle.refund("a", t0);
    throttle.failed("a", t0);
    CHECK_FALSE(throttle.refused("a", t0));
    throttle.failed("a", t0);
    CHECK(throttle.refused("a", t0));
}
