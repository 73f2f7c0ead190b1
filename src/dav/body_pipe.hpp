#pragma once
// A response body handed from the thread that produces it (a PROPFIND walking the tree) to the
// connection that sends it, in bounded memory: the producer waits while the pipe is full, the consumer
// is told when there is something to take. No socket, executor or thread inside, so it is tested alone.
#include "fs/unique_fd.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace keepdav::dav {

class body_pipe {
public:
    /** How a body ends, as the consumer sees it. */
    enum class state {
        open,      ///< more may come
        finished,  ///< complete: what was taken with it is the last of the body
        failed,    ///< cannot be completed: the consumer must not end the body as if it were whole
        cancelled, ///< the consumer gave up (cancel()); nothing more is produced
    };

    /** What the consumer takes at once: every chunk queued, and the state after them. */
    struct batch {
        std::vector<std::string> chunks;
        state end = state::open;
    };

    /**
     * `capacity`: the bytes queued in memory beyond which the producer waits. A chunk larger than that
     * still goes through, alone, into an empty pipe. With an `overflow_directory`, the producer waits
     * at most `spill_after` for the consumer: what it has not taken by then, and everything after it
     * until it catches up, goes to an unnamed file there (O_TMPFILE) and comes out in order after what
     * is in memory, so a slow client holds disk, not the worker that produces its body. A consumer
     * that keeps up (a client on a fast link) takes its bytes well within that time: writing them to
     * a file and reading them back would cost more than the wait (a PROPFIND of 10,000 entries on
     * loopback spilled 3 MB through 27 pwrites and 9 preads). Only if the file cannot be made does the
     * producer wait for as long as it takes.
     */
    static constexpr std::size_t default_capacity = 4 * 64 * 1024;
    static constexpr std::chrono::milliseconds default_spill_after{50};

    explicit body_pipe(std::size_t capacity = default_capacity, std::string overflow_directory = {},
                       std::chrono::milliseconds spill_after = default_spill_after)
        : capacity_(capacity), spill_after_(spill_after), overflow_directory_(std::move(overflow_directory)) {}

    // --- the producer (one thread) ------------------------------------------------------------------

    /**
     * Queues `chunk`, waiting while the pipe is full. False, and the chunk dropped, once the consumer
     * cancelled or `stop` was requested: the producer should stop.
     */
    bool push(std::string chunk, std::stop_token stop = {});
    /** The body is complete. Later finish()/fail() calls change nothing. */
    void finish();
    /** The body cannot be completed. A no-op once it ended. */
    void fail();

    // --- the consumer (asynchronous) ----------------------------------------------------------------

    /**
     * Takes everything queued, or, while nothing is and the body has not ended, keeps `wake` and
     * answers nothing. A kept `wake` is called once, on the thread that queues the next chunk, ends the
     * body or cancels it (so it should only post the consumer's continuation). One wake at a time.
     */
    std::optional<batch> take_or_wake(std::function<void()> wake);

    /**
     * The consumer is gone: queued chunks are dropped, a waiting producer returns false, and a kept
     * wake is called (the consumer's continuation then takes state::cancelled). A no-op once the body
     * ended and was taken whole.
     */
    void cancel();

    /** The body has ended and the consumer has taken all of it. */
    bool drained() const;
    /** Bytes queued in memory now (for tests and memory accounting). */
    std::size_t queued_bytes() const;
    /** Bytes in the overflow file not yet taken. */
    std::uint64_t overflow_bytes() const;

private:
    /** Calls the kept wake, if any, outside the lock. */
    void wake_consumer(std::unique_lock<std::mutex>& lock);
    /** With the lock held: appends `chunk` to the overflow file when the consumer is behind; false: queue it. */
    bool spill(const std::string& chunk);
    /** With the lock held: the next piece of the overflow file, up to the capacity. */
    batch take_overflow();
    bool overflow_pending() const { return overflow_read_ < overflow_end_; }

    /** With the lock held: `chunk` could join what is queued in memory now (or the body ended). */
    bool room_for(const std::string& chunk) const {
        return state_ != state::open || queued_ == 0 || queued_ + chunk.size() <= capacity_;
    }

    const std::size_t capacity_;
    const std::chrono::milliseconds spill_after_;
    mutable std::mutex mutex_;
    std::condition_variable_any room_;
    std::vector<std::string> chunks_;
    std::size_t queued_ = 0;
    state state_ = state::open;
    std::function<void()> wake_;
    const std::string overflow_directory_;
    fs::unique_fd overflow_;
    bool overflow_unusable_ = false;
    std::uint64_t overflow_read_ = 0; ///< taken up to here
    std::uint64_t overflow_end_ = 0;  ///< written up to here
};

} // namespace keepdav::dav
