#include "server/interim_schedule.hpp"

#include <utility>

namespace keepdav::server {

using step = interim_schedule::step;
using action = interim_schedule::action;

step interim_schedule::start(const settings& s, clock::time_point now) {
    continue_in_flight_ = false;
    settings_ = s;
    sent_ = 0;
    if (!s.enabled) {
        state_ = state::silent;
        return {};
    }
    next_due_ = now + s.after;
    if (s.unasked_continue) {
        state_ = state::writing_interim;
        continue_in_flight_ = true;
        return {action::write_interim, {}, 100};
    }
    state_ = state::waiting;
    return {action::arm_timer, next_due_};
}

step interim_schedule::write_due() {
    state_ = state::writing_interim;
    bool hint = settings_.early_hints_at != 0 && sent_ + 1 == settings_.early_hints_at;
    return {action::write_interim, {}, hint ? 103u : settings_.status};
}

step interim_schedule::timer_fired(clock::time_point now) {
    if (state_ != state::waiting) return {};
    if (now < next_due_) return {action::arm_timer, next_due_};
    return write_due();
}

step interim_schedule::interim_written(bool ok, clock::time_point now) {
    if (state_ != state::writing_interim && state_ != state::final_pending) return {};
    if (!ok) {
        state_ = state::closed;
        return {action::close};
    }
    // The unasked 100 is no part of the count or the cadence.
    if (!std::exchange(continue_in_flight_, false)) ++sent_;
    if (state_ == state::final_pending) {
        state_ = state::finished;
        return {action::write_final};
    }
    return schedule_next(now);
}

step interim_schedule::schedule_next(clock::time_point now) {
    if (sent_ == 0) { // after the unasked 100: the first 102 keeps its own time
        state_ = state::waiting;
        return {action::arm_timer, next_due_};
    }
    if (settings_.max_interims != 0 && sent_ >= settings_.max_interims) {
        state_ = state::silent;
        return {};
    }
    state_ = state::waiting;
    next_due_ += settings_.interval;
    // A write that took longer than the interval (a slow reader) does not earn it a burst of 102s.
    if (next_due_ <= now) next_due_ = now + settings_.interval;
    return {action::arm_timer, next_due_};
}

step interim_schedule::operation_done(clock::time_point) {
    switch (state_) {
    case state::writing_interim:
        // Exactly one write in flight: the final response waits for this 102.
        state_ = state::final_pending;
        return {};
    case state::idle:
    case state::silent:
    case state::waiting:
        state_ = state::finished;
        return {action::write_final};
    default:
        return {};
    }
}

} // namespace keepdav::server
