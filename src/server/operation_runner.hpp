#pragma once
// A long operation on the file system pool: its stop token, its path claims (released the moment it
// ends, so overlapping requests go on before its reply is even written), and its reply posted back
// to the connection's executor. Nothing it throws escapes the worker.
#include "dav/handler.hpp"
#include "locks/path_locks.hpp"
#include "log.hpp"
#include "net.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace keepdav::server {

template <class Executor, class Done>
void run_operation(net::thread_pool& pool, dav::operation op, std::stop_token stop, locks::path_locks::hold claims,
                   Executor reply_to, Done done) {
    net::post(pool, [op = std::move(op), stop, claims = std::move(claims), reply_to, done = std::move(done)]() mutable {
        dav::operation_context context{stop, *op.progress};
        dav::reply r;
        try {
            r = op.run(context);
        } catch (const std::exception& e) {
            log::error(op.description + ": operation failed: " + e.what());
            r = dav::error_reply(http::status::internal_server_error, "internal error");
        } catch (...) {
            log::error(op.description + ": operation failed: unknown exception");
            r = dav::error_reply(http::status::internal_server_error, "internal error");
        }
        claims.release(); // the change is made (or stopped): overlapping requests may go on
        if (stop.stop_requested())
            log::info(op.description + ": stopped after its connection closed (" +
                      std::to_string(static_cast<unsigned>(r.status)) + ")");
        net::post(reply_to, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
    });
}

} // namespace keepdav::server
