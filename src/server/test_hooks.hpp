#pragma once
// Request headers that shape the interim responses, for people testing their clients' handling of
// 1xx (--test-hooks; ignored without it). The names are a contract: see the README.
#include "server/interim_schedule.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace keepdav::server {

struct test_hooks {
    using duration = std::chrono::milliseconds;

    std::optional<duration> delay;          ///< Keepdav-Delay: hold the request this long first
    std::optional<duration> interval;       ///< Keepdav-Interim-Interval: gap between 102s
    std::optional<duration> after;          ///< Keepdav-Interim-After: wait before the first 102
    std::optional<unsigned> count;          ///< Keepdav-Interim-Count: send exactly this many 102s
    std::optional<unsigned> interim_status; ///< Keepdav-Interim-Status: the periodic interims' status instead of 102
    bool status_uri = false;                ///< Keepdav-Interim-Status-URI: 102s carry progress headers
    bool unasked_continue = false;          ///< Keepdav-Unasked-Continue: a 100 Continue nobody asked for
    bool early_hints = false;               ///< Keepdav-Early-Hints: a 103 among the 102s
    bool silent = false;                    ///< Keepdav-Silent: no 1xx at all while held
    std::optional<duration> close_after;    ///< Keepdav-Close-After: drop the connection, no final response

    /** Whether the request is held at all (only then do the others apply). */
    bool holds() const { return delay || count || close_after; }
};

/** The hooks a request asks for; a malformed value is an error whose message names the header. */
boost::system::result<test_hooks, std::string> parse_test_hooks(const boost::beast::http::fields& fields);

/**
 * The interim responses a held request gets: the server's settings for it, shaped by the hooks
 * (interval, first interim, count, silence, an unasked 100, a 103 as the second interim).
 */
interim_schedule::settings shape_interims(const test_hooks& h, interim_schedule::settings server);

/** How long a request is held: the delay, or long enough for `count` 102s. */
test_hooks::duration hold_time(const test_hooks& h, test_hooks::duration after, test_hooks::duration interval);

} // namespace keepdav::server
