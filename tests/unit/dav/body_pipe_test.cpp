// The pipe between a body's producer and the connection that sends it, with no socket: order, ends,
// backpressure, cancellation, and when the consumer is woken.
#include "dav/body_pipe.hpp"
#include "support/drained_body.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

using keepdav::dav::body_pipe;
using namespace std::chrono_literals;

namespace {

/** Everything in a batch, joined. */
std::string joined(const body_pipe::batch& b) {
    std::string out;
    for (const auto& c : b.chunks) out += c;
    return out;
}

/** A push on a thread of its own, to be seen blocked or released. */
std::future<bool> push_later(body_pipe& pipe, std::string chunk, std::stop_token stop = {}) {
    return std::async(std::launch::async, [&pipe, chunk = std::move(chunk), stop] { return pipe.push(chunk, stop); });
}

} // namespace

TEST_CASE("a pipe hands over chunks in order, and the end with the last of them", "[unit][dav][pipe]") {
    body_pipe pipe(100);
    REQUIRE(pipe.push("<a>"));
    REQUIRE(pipe.push("<b/>"));
    auto first = pipe.take_or_wake([] { FAIL("woken although there was something to take"); });
    REQUIRE(first);
    CHECK(first->chunks == std::vector<std::string>{"<a>", "<b/>"});
    CHECK(first->end == body_pipe::state::open);
    CHECK(pipe.queued_bytes() == 0);
    REQUIRE(pipe.push("</a>"));
    pipe.finish();
    pipe.fail(); // too late: the body is complete
    auto last = pipe.take_or_wake([] {});
    REQUIRE(last);
    CHECK(joined(*last) == "</a>");
    CHECK(last->end == body_pipe::state::finished);
}

TEST_CASE("an empty pipe keeps the consumer's wake and calls it once, on the next push or end",
          "[unit][dav][pipe]") {
    body_pipe pipe;
    int wakes = 0;
    CHECK_FALSE(pipe.take_or_wake([&] { ++wakes; }));
    CHECK(wakes == 0);
    REQUIRE(pipe.push("x"));
    CHECK(wakes == 1);
    REQUIRE(pipe.push("y"));
    CHECK(wakes == 1); // one wake per wait
    auto b = pipe.take_or_wake([&] { ++wakes; });
    REQUIRE(b);
    CHECK(joined(*b) == "xy");

    CHECK_FALSE(pipe.take_or_wake([&] { ++wakes; }));
    pipe.finish();
    CHECK(wakes == 2);
    auto end = pipe.take_or_wake([] {});
    REQUIRE(end);
    CHECK(end->chunks.empty());
    CHECK(end->end == body_pipe::state::finished);
}

TEST_CASE("a full pipe holds the producer until the consumer takes", "[unit][dav][pipe]") {
    body_pipe pipe(10);
    REQUIRE(pipe.push("0123456789"));
    auto blocked = push_later(pipe, "abc");
    // Whatever the timing, the second chunk is not in the pipe before the first is taken.
    auto first = pipe.take_or_wake([] {});
    REQUIRE(first);
    CHECK(joined(*first) == "0123456789");
    REQUIRE(blocked.wait_for(20s) == std::future_status::ready);
    CHECK(blocked.get());
    auto second = pipe.take_or_wake([] {});
    REQUIRE(second);
    CHECK(joined(*second) == "abc");
}

TEST_CASE("a producer held by a full pipe returns false when its stop is requested, the chunk dropped",
          "[unit][dav][pipe]") {
    body_pipe pipe(10);
    REQUIRE(pipe.push("0123456789"));
    std::stop_source stop;
    auto blocked = push_later(pipe, "late", stop.get_token());
    stop.request_stop();
    REQUIRE(blocked.wait_for(20s) == std::future_status::ready);
    CHECK_FALSE(blocked.get());
    auto b = pipe.take_or_wake([] {});
    REQUIRE(b);
    CHECK(joined(*b) == "0123456789");
    CHECK(b->end == body_pipe::state::open);
}

TEST_CASE("a chunk larger than the capacity still goes through, alone", "[unit][dav][pipe]") {
    body_pipe pipe(4);
    REQUIRE(pipe.push(std::string(100, 'x')));
    CHECK(pipe.queued_bytes() == 100);
    auto blocked = push_later(pipe, "y");
    auto b = pipe.take_or_wake([] {});
    REQUIRE(b);
    CHECK(b->chunks.size() == 1);
    REQUIRE(blocked.wait_for(20s) == std::future_status::ready);
    CHECK(blocked.get());
}

TEST_CASE("cancel releases a held producer, wakes a waiting consumer, and drops what was queued",
          "[unit][dav][pipe]") {
    SECTION("a producer held by a full pipe") {
        body_pipe pipe(10);
        REQUIRE(pipe.push("0123456789"));
        auto blocked = push_later(pipe, "more");
        pipe.cancel();
        REQUIRE(blocked.wait_for(20s) == std::future_status::ready);
        CHECK_FALSE(blocked.get());
        CHECK_FALSE(pipe.push("after"));
        auto b = pipe.take_or_wake([] {});
        REQUIRE(b);
        CHECK(b->chunks.empty());
        CHECK(b->end == body_pipe::state::cancelled);
    }
    SECTION("a consumer waiting on an empty pipe") {
        body_pipe pipe;
        bool woken = false;
        CHECK_FALSE(pipe.take_or_wake([&] { woken = true; }));
        pipe.cancel();
        CHECK(woken);
        pipe.finish(); // the producer, unaware, ends: the consumer's view stays cancelled
        auto b = pipe.take_or_wake([] {});
        REQUIRE(b);
        CHECK(b->end == body_pipe::state::cancelled);
    }
}

TEST_CASE("a failed body reaches the consumer after what was queued, and is never turned into a whole one",
          "[unit][dav][pipe]") {
    body_pipe pipe;
    bool woken = false;
    CHECK_FALSE(pipe.take_or_wake([&] { woken = true; }));
    REQUIRE(pipe.push("<partial>"));
    CHECK(woken);
    pipe.fail();
    pipe.finish();
    auto b = pipe.take_or_wake([] {});
    REQUIRE(b);
    CHECK(joined(*b) == "<partial>");
    CHECK(b->end == body_pipe::state::failed);
    CHECK_FALSE(pipe.push("more"));
}

TEST_CASE("a producer and a consumer on two threads move a large body whole, never holding more than the capacity",
          "[unit][dav][pipe]") {
    constexpr std::size_t capacity = 1000;
    std::string sent;
    for (int i = 0; i < 20000; ++i) sent += std::to_string(i) + ",";
    std::atomic<bool> refused{false}; // Catch2's assertions are for the test's own thread
    keepdav::dav::streamed_body body{std::make_shared<body_pipe>(capacity), [&](body_pipe& pipe, std::stop_token) {
                                         for (std::size_t at = 0; at < sent.size(); at += 97)
                                             if (!pipe.push(sent.substr(at, 97))) refused = true;
                                         pipe.finish();
                                     }};
    auto received = keepdav::test::drain(body);
    CHECK_FALSE(refused);
    CHECK(received.end == body_pipe::state::finished);
    CHECK(received.bytes == sent);
    CHECK(received.largest_batch <= capacity);
    CHECK(received.batches > 1);
}

TEST_CASE("with an overflow directory and no grace the producer never waits: what the consumer has not taken goes to disk, in order",
          "[unit][dav][pipe]") {
    constexpr std::size_t capacity = 1000;
    body_pipe pipe(capacity, "/tmp", 0ms);
    std::string sent;
    for (int i = 0; i < 500; ++i) {
        auto chunk = std::string(97, char('a' + i % 26)) + std::to_string(i);
        sent += chunk;
        REQUIRE(pipe.push(chunk)); // never blocks: nobody takes until the end
        CHECK(pipe.queued_bytes() <= capacity);
    }
    CHECK(pipe.overflow_bytes() > sent.size() - 2 * capacity);
    pipe.finish();
    std::string received;
    for (int batches = 0;; ++batches) {
        REQUIRE(batches < 1000);
        auto b = pipe.take_or_wake([] {});
        REQUIRE(b);
        auto piece = joined(*b);
        CHECK(piece.size() <= capacity + 200);
        received += piece;
        if (b->end != body_pipe::state::open) {
            CHECK(b->end == body_pipe::state::finished);
            break;
        }
    }
    CHECK(received == sent);
    CHECK(pipe.overflow_bytes() == 0);
}

TEST_CASE("once the consumer has caught up with the overflow, chunks go to memory again - cancel drops both",
          "[unit][dav][pipe]") {
    body_pipe pipe(100, "/tmp", 0ms);
    REQUIRE(pipe.push(std::string(80, 'a')));
    REQUIRE(pipe.push(std::string(80, 'b'))); // beyond the capacity: to the file
    CHECK(pipe.queued_bytes() == 80);
    CHECK(pipe.overflow_bytes() == 80);
    CHECK(joined(*pipe.take_or_wake([] {})) == std::string(80, 'a'));
    CHECK(joined(*pipe.take_or_wake([] {})) == std::string(80, 'b'));
    CHECK(pipe.overflow_bytes() == 0);
    REQUIRE(pipe.push(std::string(10, 'c')));
    CHECK(pipe.queued_bytes() == 10);
    CHECK(pipe.overflow_bytes() == 0);

    REQUIRE(pipe.push(std::string(95, 'd')));
    CHECK(pipe.overflow_bytes() == 95);
    pipe.cancel();
    CHECK(pipe.overflow_bytes() == 0);
    CHECK_FALSE(pipe.push("e"));
    auto b = pipe.take_or_wake([] {});
    REQUIRE(b);
    CHECK(b->end == body_pipe::state::cancelled);
}

TEST_CASE("with an overflow directory a consumer that takes within the grace keeps the body in memory, one that does not gets the file",
          "[unit][dav][pipe]") {
    SECTION("taken in time: the held producer goes on into memory, nothing touches the disk") {
        body_pipe pipe(10, "/tmp", std::chrono::milliseconds(20s));
        REQUIRE(pipe.push("0123456789"));
        auto held = push_later(pipe, "abc");
        // Whatever the timing, the second chunk waits for room, and the file is never made.
        auto first = pipe.take_or_wake([] {});
        REQUIRE(first);
        CHECK(joined(*first) == "0123456789");
        REQUIRE(held.wait_for(20s) == std::future_status::ready);
        CHECK(held.get());
        CHECK(pipe.overflow_bytes() == 0);
        CHECK(pipe.queued_bytes() == 3);
    }
    SECTION("not taken: after the grace the chunk goes to the file, and the producer is free") {
        body_pipe pipe(10, "/tmp", 1ms);
        REQUIRE(pipe.push("0123456789"));
        REQUIRE(pipe.push("abc")); // returns on its own: nobody takes
        CHECK(pipe.overflow_bytes() == 3);
        REQUIRE(pipe.push("def")); // behind the file: straight to it, no second wait
        CHECK(pipe.overflow_bytes() == 6);
        CHECK(joined(*pipe.take_or_wake([] {})) == "0123456789");
        CHECK(joined(*pipe.take_or_wake([] {})) == "abcdef");
    }
    SECTION("a stop requested while the producer waits out the grace drops the chunk") {
        body_pipe pipe(10, "/tmp", std::chrono::milliseconds(20s));
        REQUIRE(pipe.push("0123456789"));
        std::stop_source stop;
        auto held = push_later(pipe, "late", stop.get_token());
        stop.request_stop();
        REQUIRE(held.wait_for(20s) == std::future_status::ready);
        CHECK_FALSE(held.get());
        CHECK(pipe.overflow_bytes() == 0);
    }
}
