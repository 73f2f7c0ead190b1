#pragma once
// Holds a server's worker inside an operation until the test opens the gate or the operation is told
// to stop: long operations that last exactly as long as a test needs, with no sleeps. Or, without
// blocking a thread, a request that holds its path claims (on_claims_held). Every wait here has a
// deadline: a worker that never comes fails the test with a message instead of hanging it.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::test {

class gate {
public:
    /** Entries before the `hold_at`-th (counting from 1) pass; that one and later ones wait. */
    explicit gate(int hold_at = 1) : hold_at_(hold_at) {}

    /** The server's before_entry_hook. */
    void on_entry(std::string_view, std::stop_token stop) {
        std::unique_lock lock(mutex_);
        if (++entries_ < hold_at_) return;
        ++held_;
        changed_.notify_all();
        changed_.wait(lock, stop, [this] { return open_; });
        --held_;
        if (stop.stop_requested()) stopped_seen_ = true;
        changed_.notify_all();
    }

    /**
     * The server's claims_held_hook: the same rule as on_entry, but nothing blocks (the server calls
     * it on an I/O thread): `go_on` is called now, or when the gate opens.
     */
    void on_claims_held(std::string_view, std::function<void()> go_on) {
        {
            std::lock_guard lock(mutex_);
            if (++entries_ >= hold_at_ && !open_) {
                ++held_;
                waiting_.push_back(std::move(go_on));
                changed_.notify_all();
                return;
            }
        }
        go_on();
    }

    void open() {
        std::vector<std::function<void()>> released;
        {
            std::lock_guard lock(mutex_);
            open_ = true;
            released.swap(waiting_);
            held_ -= static_cast<int>(released.size());
            changed_.notify_all();
        }
        for (auto& go_on : released) go_on();
    }

    /** Blocks until `workers` workers are held at the gate at once; throws past the deadline. */
    void wait_until_holding(int workers = 1, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, deadline, [&] { return held_ >= workers; }))
            throw std::runtime_error("gate: " + std::to_string(workers) + " worker(s) not held within " +
                                     std::to_string(deadline.count()) + " ms (held: " + std::to_string(held_) + ")");
    }

    /** Blocks until a held worker has left the gate through its stop token; false past the deadline. */
    bool wait_until_stop_seen(std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, deadline, [this] { return stopped_seen_; });
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
    int held_ = 0; ///< workers waiting at the gate now
    bool open_ = false;
    std::vector<std::function<void()>> waiting_; ///< requests held by on_claims_held
    bool stopped_seen_ = false;
};

} // namespace keepdav::test
