// The 102 schedule, driven step by step with a fake clock: no timer, socket or thread.
#include "server/interim_schedule.hpp"

#include <catch2/catch.hpp>

using keepdav::server::interim_schedule;
using action = interim_schedule::action;
using namespace std::chrono_literals;

namespace {

const interim_schedule::clock::time_point t0{};

interim_schedule::settings every(std::chrono::milliseconds after, std::chrono::milliseconds interval) {
    return {true, after, interval};
}

} // namespace

TEST_CASE("the first 102 waits for processing-after, then one per interval", "[unit][interim]") {
    interim_schedule s;
    auto step = s.start(every(1000ms, 200ms), t0);
    REQUIRE(step == interim_schedule::step{action::arm_timer, t0 + 1000ms});

    REQUIRE(s.timer_fired(t0 + 1000ms).what == action::write_interim);
    step = s.interim_written(true, t0 + 1001ms);
    REQUIRE(step == interim_schedule::step{action::arm_timer, t0 + 1200ms});

    REQUIRE(s.timer_fired(t0 + 1200ms).what == action::write_interim);
    step = s.interim_written(true, t0 + 1201ms);
    REQUIRE(step == interim_schedule::step{action::arm_timer, t0 + 1400ms});
    REQUIRE(s.interims_sent() == 2);
}

TEST_CASE("an operation that ends before processing-after sends no 102", "[unit][interim]") {
    interim_schedule s;
    s.start(every(1000ms, 200ms), t0);
    REQUIRE(s.operation_done(t0 + 999ms).what == action::write_final);
    // A late timer finds nothing to do.
    REQUIRE(s.timer_fired(t0 + 1000ms).what == action::nothing);
    REQUIRE(s.interims_sent() == 0);
}

TEST_CASE("a timer that wakes early is re-armed for the due time", "[unit][interim]") {
    interim_schedule s;
    s.start(every(1000ms, 200ms), t0);
    auto step = s.timer_fired(t0 + 400ms);
    REQUIRE(step == interim_schedule::step{action::arm_timer, t0 + 1000ms});
}

TEST_CASE("the final response waits for a 102 that is being written", "[unit][interim]") {
    interim_schedule s;
    s.start(every(100ms, 100ms), t0);
    REQUIRE(s.timer_fired(t0 + 100ms).what == action::write_interim);
    // The operation ends mid-write: nothing may be written yet.
    REQUIRE(s.operation_done(t0 + 101ms).what == action::nothing);
    REQUIRE(s.interim_written(true, t0 + 102ms).what == action::write_final);
    REQUIRE(s.interims_sent() == 1);
}

TEST_CASE("a 102 that cannot be written closes the connection", "[unit][interim]") {
    interim_schedule s;
    s.start(every(100ms, 100ms), t0);
    REQUIRE(s.timer_fired(t0 + 100ms).what == action::write_interim);
    REQUIRE(s.interim_written(false, t0 + 101ms).what == action::close);
    // Whatever comes after is ignored.
    REQUIRE(s.operation_done(t0 + 200ms).what == action::nothing);
    REQUIRE(s.timer_fired(t0 + 200ms).what == action::nothing);
}

TEST_CASE("the final response also waits for a 102 that then fails", "[unit][interim]") {
    interim_schedule s;
    s.start(every(100ms, 100ms), t0);
    s.timer_fired(t0 + 100ms);
    REQUIRE(s.operation_done(t0 + 101ms).what == action::nothing);
    REQUIRE(s.interim_written(false, t0 + 102ms).what == action::close);
}

TEST_CASE("disabled 102s: silence until the final response", "[unit][interim]") {
    interim_schedule s;
    auto step = s.start({false, 100ms, 100ms}, t0);
    REQUIRE(step.what == action::nothing);
    REQUIRE(s.timer_fired(t0 + 500ms).what == action::nothing);
    REQUIRE(s.operation_done(t0 + 10s).what == action::write_final);
    REQUIRE(s.interims_sent() == 0);
}

TEST_CASE("a slow 102 write does not earn the client a burst of 102s", "[unit][interim]") {
    interim_schedule s;
    s.start(every(100ms, 100ms), t0);
    s.timer_fired(t0 + 100ms);
    // The write took 350 ms: the next 102 is one interval after it finished, not three overdue ones.
    auto step = s.interim_written(true, t0 + 450ms);
    REQUIRE(step == interim_schedule::step{action::arm_timer, t0 + 550ms});
}

TEST_CASE("a count limit stops the 102s and leaves silence until the final response", "[unit][interim]") {
    interim_schedule s;
    interim_schedule::settings limited{true, 100ms, 100ms, 2};
    s.start(limited, t0);
    REQUIRE(s.timer_fired(t0 + 100ms).what == action::write_interim);
    REQUIRE(s.interim_written(true, t0 + 100ms).what == action::arm_timer);
    REQUIRE(s.timer_fired(t0 + 200ms).what == action::write_interim);
    REQUIRE(s.interim_written(true, t0 + 200ms).what == action::nothing);
    REQUIRE(s.timer_fired(t0 + 300ms).what == action::nothing);
    REQUIRE(s.operation_done(t0 + 1s).what == action::write_final);
    REQUIRE(s.interims_sent() == 2);
}

TEST_CASE("an unasked 100 comes first, outside the count and the cadence - a 103 takes its place in line",
          "[unit][interim]") {
    interim_schedule s;
    auto settings = every(100ms, 100ms);
    settings.unasked_continue = true;
    settings.early_hints_at = 2;
    settings.max_interims = 3;
    REQUIRE(s.start(settings, t0) == interim_schedule::step{action::write_interim, {}, 100});
    REQUIRE(s.interim_written(true, t0 + 1ms) == interim_schedule::step{action::arm_timer, t0 + 100ms});
    REQUIRE(s.timer_fired(t0 + 100ms) == interim_schedule::step{action::write_interim, {}, 102});
    REQUIRE(s.interim_written(true, t0 + 101ms).what == action::arm_timer);
    REQUIRE(s.timer_fired(t0 + 200ms) == interim_schedule::step{action::write_interim, {}, 103});
    REQUIRE(s.interim_written(true, t0 + 201ms).what == action::arm_timer);
    REQUIRE(s.timer_fired(t0 + 300ms) == interim_schedule::step{action::write_interim, {}, 102});
    REQUIRE(s.interim_written(true, t0 + 301ms).what == action::nothing); // the count is reached: silence
    REQUIRE(s.interims_sent() == 3);
    REQUIRE(s.operation_done(t0 + 400ms).what == action::write_final);
}

TEST_CASE("the periodic interims take the settings' status: 104 for uploads, any 1xx for the test hook - the cap holds",
          "[unit][interim]") {
    interim_schedule s;
    auto settings = every(0ms, 100ms);
    settings.status = 104;
    settings.max_interims = 2;
    REQUIRE(s.start(settings, t0) == interim_schedule::step{action::arm_timer, t0});
    REQUIRE(s.timer_fired(t0) == interim_schedule::step{action::write_interim, {}, 104});
    REQUIRE(s.interim_written(true, t0 + 1ms).what == action::arm_timer);
    REQUIRE(s.timer_fired(t0 + 100ms) == interim_schedule::step{action::write_interim, {}, 104});
    REQUIRE(s.interim_written(true, t0 + 101ms).what == action::nothing); // capped as 102s are
    REQUIRE(s.operation_done(t0 + 150ms).what == action::write_final);
}

namespace {

enum class input { start, timer_fired, written_ok, written_failed, operation_done, cancel };

/** Drives a fresh schedule into the named state, then applies `in`; answers the step it gives. */
interim_schedule::step drive(const std::string& state, input in) {
    interim_schedule s;
    auto settings = every(100ms, 100ms);
    auto now = t0;
    if (state == "silent") s.start(interim_schedule::settings{false, 100ms, 100ms}, now);
    if (state != "idle" && state != "silent") s.start(settings, now);
    if (state == "writing_interim" || state == "final_pending") s.timer_fired(now += 100ms);
    if (state == "final_pending") s.operation_done(now);
    if (state == "finished") s.operation_done(now);
    if (state == "closed") s.cancel();
    now += 100ms;
    switch (in) {
    case input::start: return s.start(settings, now);
    case input::timer_fired: return s.timer_fired(now);
    case input::written_ok: return s.interim_written(true, now);
    case input::written_failed: return s.interim_written(false, now);
    case input::operation_done: return s.operation_done(now);
    case input::cancel: s.cancel(); return s.timer_fired(now + 1h);
    }
    return {};
}

} // namespace

TEST_CASE("every state answers every input as the one-write-in-flight rule requires", "[unit][interim]") {
    using A = action;
    // state, then the action for: timer_fired, written_ok, written_failed, operation_done, cancel
    struct row {
        const char* state;
        A timer, ok, failed, done, cancel;
    };
    const row table[] = {
        {"idle", A::nothing, A::nothing, A::nothing, A::write_final, A::nothing},
        {"silent", A::nothing, A::nothing, A::nothing, A::write_final, A::nothing},
        {"waiting", A::write_interim, A::nothing, A::nothing, A::write_final, A::nothing},
        // A 102 is being written: the final response waits for it; a late timer does nothing.
        {"writing_interim", A::nothing, A::arm_timer, A::close, A::nothing, A::nothing},
        {"final_pending", A::nothing, A::write_final, A::close, A::nothing, A::nothing},
        {"finished", A::nothing, A::nothing, A::nothing, A::nothing, A::nothing},
        {"closed", A::nothing, A::nothing, A::nothing, A::nothing, A::nothing},
    };
    for (const auto& r : table) {
        INFO("state " << r.state);
        CHECK(drive(r.state, input::timer_fired).what == r.timer);
        CHECK(drive(r.state, input::written_ok).what == r.ok);
        CHECK(drive(r.state, input::written_failed).what == r.failed);
        CHECK(drive(r.state, input::operation_done).what == r.done);
        CHECK(drive(r.state, input::cancel).what == r.cancel);
        // start begins a new request's schedule from any state
        CHECK(drive(r.state, input::start).what == A::arm_timer);
    }
}
