#include "server/interim_schedule.hpp"

namespace keepdav::server {

using step = interim_schedule::step;
using action = interim_schedule::action;

step interim_schedule::start(const settings& s, clock::time_point now) {
    settings_ = s;
    sent_ = 0;
    if (!s.enabled) {
        state_ = state::silent;
        return {};
    }
    state_ = state::waiting;
    next_due_ = now + s.after;
    return {action::arm_timer, next_due_};
}

step interim_schedule::timer_fired(clock::time_point now) {
    if (state_ != state::waiting) return {};
    if (now < next_due_) return {action::arm_timer, next_due_};
    state_ = state::writing_interim;
    return {action::write_interim};
}

step interim_schedule::interim_written(bool ok, clock::time_point now) {
    if (state_ != state::writing_interim && state_ != state::final_pending) return {};
    if (!ok) {
        state_ = state::closed;
        return {action::close};
    }
    ++sent_;
    if (state_ == state::final_pending) {
        state_ = state::finished;
        return {action::write_final};
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
