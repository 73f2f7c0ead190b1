#pragma once
// A long operation on the file system pool: its stop token, its path claims (released the moment it
// ends, so overlapping requests go on before its reply is even written), and its reply posted back
// to the connection's executor. Nothing it throws escapes the worker.
#include "dav/handler.hpp"
#include "locks/path_locks.hpp"
#include "net.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace keepdav::server {

/** Runs `op` on the calling thread; what it throws becomes a logged 500. */
dav::reply run_to_reply(dav::operation& op, std::stop_token stop);

/** Long operations inside run_to_reply now, in this process (a gauge for the metrics). */
long operations_running();

template <class Executor, class Done>
void run_operation(net::thread_pool& pool, dav::operation op, std::stop_token stop, locks::path_locks::hold claims,
                   Executor reply_to, Done done) {
    net::post(pool, [op = std::move(op), stop, claims = std::move(claims), reply_to, done = std::move(done)]() mutable {
        auto r = run_to_reply(op, stop);
        claims.release(); // the change is made (or stopped): overlapping requests may go on
        net::post(reply_to, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
    });
}

} // namespace keepdav::server
