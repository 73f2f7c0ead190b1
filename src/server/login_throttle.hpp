#pragma once
// A token bucket per client address for failed logins: each address may fail N times a minute, in a
// burst of at most N; beyond that its credentials are refused unchecked (429, RFC 6585 §4), so a
// password guesser neither learns anything nor costs the server a hash per guess. Pure: the caller
// passes the time, and the unit tests drive it with a fake clock.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace keepdav::server {

class login_throttle {
public:
    using clock = std::chrono::steady_clock;

    /** `per_minute` failures allowed per address (0: never throttles); at most `max_addresses` tracked. */
    explicit login_throttle(unsigned per_minute, std::size_t max_addresses = 100000);

    /**
     * Whether `address` may have its credentials checked now: nothing, or how long until it may
     * (whole seconds, at least 1: the Retry-After value).
     */
    std::optional<std::chrono::seconds> refused(const std::string& address, clock::time_point now);

    /** A failed login from `address` (or one about to be checked): takes one token. */
    void failed(const std::string& address, clock::time_point now);
    /** The token taken for a check that succeeded, given back. */
    void refund(const std::string& address, clock::time_point now);

    bool enabled() const { return per_minute_ != 0; }

private:
    /**
     * The bucket kept as one time (the generic cell rate algorithm), in whole clock ticks so that no
     * rounding lets a failure through early: when it will be full again. Each failure pushes it one
     * interval (a minute / N) later; an address is refused while it is more than a minute less one
     * interval ahead, i.e. while no token is left.
     */
    using full_at = clock::time_point;
    void forget_full(clock::time_point now);

    const unsigned per_minute_;
    const clock::duration interval_; ///< a minute / N: one token comes back per interval
    const std::size_t max_addresses_;
    std::mutex mutex_;
    std::unordered_map<std::string, full_at> buckets_;
};

} // namespace keepdav::server
