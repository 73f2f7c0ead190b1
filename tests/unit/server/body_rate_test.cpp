#include "server/body_rate.hpp"

#include <catch2/catch.hpp>

using keepdav::server::body_rate;
using namespace std::chrono_literals;

TEST_CASE("a body under the floor over a whole window is too slow - within the window it is not judged", "[server][rate]") {
    body_rate rate(1000, 10s);
    body_rate::clock::time_point t0{};
    rate.start(t0);
    CHECK_FALSE(rate.too_slow(10, t0 + 1s));
    CHECK_FALSE(rate.too_slow(10, t0 + 9s)); // 20 bytes in 9 s, but the window is not over
    CHECK(rate.too_slow(10, t0 + 10s));      // 30 bytes in 10 s < 10,000
}

TEST_CASE("a body at the floor passes window after window", "[server][rate]") {
    body_rate rate(1000, 10s);
    body_rate::clock::time_point t0{};
    rate.start(t0);
    for (int window = 1; window <= 5; ++window) {
        CHECK_FALSE(rate.too_slow(5000, t0 + std::chrono::seconds(10 * window - 5)));
        CHECK_FALSE(rate.too_slow(5000, t0 + std::chrono::seconds(10 * window)));
    }
}

TEST_CASE("each window is judged alone: a fast start does not excuse a stall later", "[server][rate]") {
    body_rate rate(1000, 10s);
    body_rate::clock::time_point t0{};
    rate.start(t0);
    CHECK_FALSE(rate.too_slow(1'000'000, t0 + 10s));
    CHECK(rate.too_slow(1, t0 + 20s));
}
