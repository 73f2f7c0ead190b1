#pragma once
// Basic credentials (RFC 7617) checked without stalling anybody: a password hash (bcrypt costs
// milliseconds of CPU by design) is computed on a small pool of its own, never on an I/O thread; a
// successful (user, password) is remembered for a while under a keyed hash, so an honest client pays
// the hash once, not per request; and an address that keeps failing is throttled (login_throttle)
// before any hash is computed for it.
#include "net.hpp"
#include "server/basic_auth.hpp"
#include "server/login_throttle.hpp"

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keepdav::server {

/** The hash check itself (basic_auth::check, or another user table's). */
using password_verifier = std::function<password_verdict(const std::string& user, const std::string& password)>;

struct login_outcome {
    enum class kind { ok, missing, failed, throttled };
    kind result = kind::missing;
    std::string user;                      ///< as the credentials name it (failed, throttled)
    std::string reason;                    ///< why it failed, for the log
    std::chrono::seconds retry_after{0};   ///< throttled: the Retry-After value
};

/**
 * The line a failed login writes to the log, for fail2ban: `auth failed: from=ADDR user="NAME"
 * (reason)`. The name is the client's: quotes, backslashes, control and non-ASCII bytes are escaped
 * (`\"`, `\\`, `\xHH`), so no name can end the line early or forge another.
 */
std::string failed_login_line(std::string_view address, std::string_view user, std::string_view reason);

class password_checks {
public:
    using clock = std::chrono::steady_clock;

    /** `threads` hash at once at most; `max_failures_per_minute` per address (0: no throttle). */
    password_checks(password_verifier verify, unsigned max_failures_per_minute, unsigned threads);

    /**
     * Decides what needs no hash, on the calling thread: no or malformed credentials, credentials
     * remembered as good, an address over its budget. Nothing: `slow` must decide.
     */
    std::optional<login_outcome> quick(std::string_view authorization, const std::string& client, clock::time_point now);
    /**
     * Computes the hash (on the pool) for credentials quick() passed on (it took a token from the
     * client's bucket, given back on success): remembers a success, counts and logs a failure.
     */
    login_outcome slow(std::string_view authorization, const std::string& client);

    /** Forgets every remembered success: after a reload, a changed password must be checked again. */
    void forget_remembered();

    net::thread_pool& pool() { return *pool_; }
    /**
     * At shutdown, once the I/O threads are gone but their contexts still exist: waits for the
     * checks under way and drops those not started (with the connections they hold), which a storm
     * may have queued by the hundred.
     */
    void stop();

    std::uint64_t failed_count() const { return failed_.load(std::memory_order_relaxed); }
    std::uint64_t throttled_count() const { return throttled_.load(std::memory_order_relaxed); }

private:
    using digest = std::array<unsigned char, 32>;
    struct digest_hash {
        std::size_t operator()(const digest& d) const noexcept;
    };
    digest keyed(std::string_view credentials) const;
    /** `take_token`: unless quick() took it already. */
    login_outcome failure(const std::string& client, std::string user, std::string reason, bool take_token);

    password_verifier verify_;
    login_throttle throttle_;
    std::array<unsigned char, 32> key_{}; ///< random per process: the remembered digests say nothing elsewhere
    std::mutex mutex_;
    std::unordered_map<digest, clock::time_point, digest_hash> verified_; ///< digest -> until
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> throttled_{0};
    std::unique_ptr<net::thread_pool> pool_;
};

/**
 * Checks a request's Authorization field for `client` (its address), completing with a
 * login_outcome: at once when no hash is needed, else after the hash ran on the checks' pool, back on
 * `ex`.
 */
template <class Executor, class Token>
auto async_check_login(password_checks& checks, std::string authorization, std::string client, Executor ex, Token&& token) {
    return net::async_compose<Token, void(login_outcome)>(
        [&checks, authorization = std::move(authorization), client = std::move(client), ex](auto& self) mutable {
            if (auto decided = checks.quick(authorization, client, password_checks::clock::now()))
                return self.complete(std::move(*decided));
            auto a = std::move(authorization);
            auto c = std::move(client);
            // A lambda, not `self`: posted as itself, a composed operation would run on its
            // handler's executor (the I/O thread) instead of the pool.
            net::post(checks.pool(), [&checks, a = std::move(a), c = std::move(c), ex, self = std::move(self)]() mutable {
                auto outcome = checks.slow(a, c);
                net::post(ex, [self = std::move(self), outcome = std::move(outcome)]() mutable {
                    self.complete(std::move(outcome));
                });
            });
        },
        token, ex);
}

} // namespace keepdav::server
