#include "server/operation_runner.hpp"

#include "log.hpp"

namespace keepdav::server {

dav::reply run_to_reply(dav::operation& op, std::stop_token stop) {
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
    if (stop.stop_requested())
        log::info(op.description + ": stopped (" + std::to_string(static_cast<unsigned>(r.status)) + ")");
    return r;
}

} // namespace keepdav::server
