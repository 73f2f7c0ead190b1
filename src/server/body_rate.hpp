#pragma once
// The minimum rate of a request body: a client that sends less than the floor over any whole window
// is cut off (a slow-body attack holds a connection, a file and a worker for nothing). Sans-io: the
// caller passes the time.
#include <chrono>
#include <cstdint>

namespace keepdav::server {

class body_rate {
public:
    using clock = std::chrono::steady_clock;

    body_rate(std::uint64_t min_bytes_per_second, clock::duration window = std::chrono::seconds(10))
        : floor_(min_bytes_per_second), window_(window) {}

    /** A body starts at `now`. */
    void start(clock::time_point now) {
        window_start_ = now;
        window_bytes_ = 0;
    }

    /** Counts `n` bytes that arrived at `now`; true when the window just ended under the floor. */
    bool too_slow(std::uint64_t n, clock::time_point now) {
        window_bytes_ += n;
        if (now - window_start_ < window_) return false;
        double seconds = std::chrono::duration<double>(now - window_start_).count();
        bool slow = static_cast<double>(window_bytes_) < static_cast<double>(floor_) * seconds;
        start(now);
        return slow;
    }

private:
    std::uint64_t floor_;
    clock::duration window_;
    clock::time_point window_start_{};
    std::uint64_t window_bytes_ = 0;
};

} // namespace keepdav::server
