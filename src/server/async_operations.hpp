#pragma once
// The HTTP face of asynchronous operations (RFC 7240 §4.1 `Prefer: respond-async`): which requests
// may be answered 202 and run on, starting one under a monitor, and the monitor resources themselves,
// in a namespace of their own that no listing shows.
#include "dav/handler.hpp"
#include "locks/path_locks.hpp"
#include "net.hpp"
#include "server/operation_monitors.hpp"

#include <boost/asio/thread_pool.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace keepdav::server {

/** The first path segment of every monitor URL: reserved, never a file (README: asynchronous operations). */
constexpr std::string_view monitor_namespace = ".keepdav-operations";

/**
 * The monitor id a request-target names ("" for the namespace itself), or nothing when the target is
 * not in the monitors' namespace (beneath --prefix `prefix`) and goes to the share as usual.
 */
std::optional<std::string> monitor_id_of(std::string_view target, std::string_view prefix = {});

/**
 * Answers a request for a monitor URL: GET/HEAD its JSON report; DELETE cancels a running operation
 * (202; 409 for a MOVE, which is never left split) or forgets an ended one (204); OPTIONS the methods
 * allowed; 404 for an unknown id, an expired one, another user's, or the namespace itself.
 */
dav::reply serve_monitor(http::verb method, std::string_view id, std::string_view user, operation_monitors& monitors);

/**
 * Whether a request that came to a long `operation` is answered 202 and run on under a monitor: it
 * says `Prefer: respond-async` and it is a COPY, MOVE or DELETE (a PROPFIND streams its answer).
 */
bool runs_async(const dav::request_header& head);

/**
 * Starts `op` on `pool` under a new monitor owned by `user`, holding `claims` until it ends, and
 * answers the 202 (RFC 7240 §4.1: Preference-Applied; RFC 9110 §15.3.3) whose Location is the
 * monitor's URL beneath `base` ("https://host", or "https://host/dav" under --prefix).
 */
dav::reply start_async(net::thread_pool& pool, dav::operation op, locks::path_locks::hold claims,
                       operation_monitors& monitors, std::string user, std::string_view base);

} // namespace keepdav::server
