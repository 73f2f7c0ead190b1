#pragma once
// When a connection sends `102 Processing`, as a state machine with no timer, socket or thread inside:
// the session feeds it events with the current time and carries out the step it answers. This keeps
// the one-write-in-flight rule and the cadence testable with a fake clock.
#include <chrono>

namespace keepdav::server {

class interim_schedule {
public:
    using clock = std::chrono::steady_clock;

    enum class action {
        nothing,       ///< wait for the next event
        arm_timer,     ///< (re)arm the one timer for `at`
        write_interim, ///< write the interim response `status` now (no other write is in flight)
        write_final,   ///< write the final response now (cancel the timer; no other write is in flight)
        close,         ///< an interim response could not be written: close, and stop the operation
    };

    struct step {
        action what = action::nothing;
        clock::time_point at{};
        unsigned status = 0; ///< for write_interim: 100, 103 or the settings' status (102, 104, ...)
        bool operator==(const step&) const = default;
    };

    struct settings {
        bool enabled = true; ///< false for HTTP/1.0, denied user agents, --no-processing
        clock::duration after{};
        clock::duration interval{};
        /** Stop after this many 102s (silence until the final response); 0: no limit. */
        unsigned max_interims = 0;
        // Test hooks (client developers' bench):
        bool unasked_continue = false; ///< a 100 Continue nobody asked for, before anything else
        unsigned early_hints_at = 0;   ///< this interim (counting from 1) is a 103 Early Hints; 0: none
        /** The status of the periodic interims: 102, 104 for resumable uploads, any 1xx from Keepdav-Interim-Status. */
        unsigned status = 102;
    };

    /** An operation starts now. */
    step start(const settings& s, clock::time_point now);
    /** The timer armed by the last arm_timer step fired (or was woken early). */
    step timer_fired(clock::time_point now);
    /** The 102 from the last write_interim step finished writing; `ok` false if that failed. */
    step interim_written(bool ok, clock::time_point now);
    /** The operation finished and its final response is ready. */
    step operation_done(clock::time_point now);
    /** The connection is closing (the client left, or the server stops it): from now on, nothing. */
    void cancel() { state_ = state::closed; }

    unsigned interims_sent() const { return sent_; }

private:
    enum class state { idle, silent, waiting, writing_interim, final_pending, finished, closed };
    /** The interim due now: a 103 where the settings put one, else a 102. */
    step write_due();
    /** After an interim was written: the next one's timer, or silence once the count is reached. */
    step schedule_next(clock::time_point now);

    state state_ = state::idle;
    settings settings_{};
    clock::time_point next_due_{};
    unsigned sent_ = 0;
    bool continue_in_flight_ = false; ///< the unasked 100 is being written
};

} // namespace keepdav::server
