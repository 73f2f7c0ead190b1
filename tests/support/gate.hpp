#pragma once
// Holds a server's worker inside an operation until the test opens the gate or the operation is told
// to stop: long operations that last exactly as long as a test needs, with no sleeps.
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

namespace keepdav::test {

class gate {
public:
    /** Entries before the `hold_at`-th (counting from 1) pass; that one and later ones wait. */
    explicit gate(int hold_at = 1) : hold_at_(hold_at) {}

    /** The server's before_entry_hook. */
    void on_entry(std::string_view, std::stop_token stop) {
        std::unique_lock lock(mutex_);
        if (++entries_ < hold_at_) return;
        holding_ = true;
        changed_.notify_all();
        changed_.wait(lock, stop, [this] { return open_; });
        if (stop.stop_requested()) stopped_seen_ = true;
    }

    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

    /** Blocks until a worker is held at the gate. */
    void wait_until_holding() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return holding_; });
    }

    bool stop_seen() {
        std::lock_guard lock(mutex_);
        return stopped_seen_;
    }
    int entries() {
        std::lock_guard lock(mutex_);
        return entries_;
    }

private:
    std::mutex mutex_;
    std::condition_variable_any changed_;
    int hold_at_;
    int entries_ = 0;
    bool holding_ = false;
    bool open_ = false;
    bool stopped_seen_ = false;
};

} // namespace keepdav::test
