#include "server/operation_runner.hpp"

#include "locks/lock_store.hpp"
#include "log.hpp"

#include <atomic>

namespace keepdav::server {

namespace {

std::atomic<long> running{0};

struct count_running {
    count_running() { running.fetch_add(1, std::memory_order_relaxed); }
    ~count_running() { running.fetch_sub(1, std::memory_order_relaxed); }
};

} // namespace

long operations_running() { return running.load(std::memory_order_relaxed); }

dav::reply run_to_reply(dav::operation& op, std::stop_token stop) {
    count_running counted;
    dav::operation_context context{stop, *op.progress};
    dav::reply r;
    try {
        r = op.run(context);
    } catch (const locks::store_unavailable& e) {
        log::error(op.description + ": 503 (lock table: " + std::string(e.what()) + ")");
        r = dav::error_reply(http::status::service_unavailable, "the lock table is unreachable; try again");
    } catch (const std::exception& e) {
        log::error(op.description + ": operation failed: " + e.what());
        r = dav::error_reply(http::status::internal_server_error, "internal error");
    } catch (...) {
        log::error(op.description + ": operation failed: unknown exception");
        r = dav::error_reply(http::status::internal_server_error, "internal error");
    }
    if (stop.stop_requested())
        log::info(op.description + ": stopped (" + std::to_string(static_cast<unsigned>(r.status)) + ")");
    return r;
}

} // namespace keepdav::server
