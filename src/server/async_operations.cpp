#include "server/async_operations.hpp"

#include "dav/target.hpp"
#include "http/prefer.hpp"
#include "log.hpp"
#include "server/monitor_mirror.hpp"
#include "server/operation_runner.hpp"
#include "locks/lock_store.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

namespace keepdav::server {

namespace {

constexpr std::string_view monitor_methods = "GET, HEAD, DELETE, OPTIONS";

dav::reply json_reply(http::status status, std::string json) {
    dav::reply r;
    r.status = status;
    r.fields.set(http::field::content_type, "application/json");
    // A report is true only now: no cache may answer the next poll with it (RFC 9111 §5.2.2.5).
    r.fields.set(http::field::cache_control, "no-store");
    r.body = std::move(json) + "\n";
    return r;
}

dav::reply report_reply(http::status status, const monitor& m) {
    return json_reply(status, monitor_json(m.report(monitor::clock::now())));
}

/** A monitor of an operation that runs, or ran, on another node of the cluster. */
dav::reply serve_mirrored(http::verb method, std::string_view id, std::string_view user, monitor_mirror& mirror) {
    try {
        auto found = mirror.find(id, user);
        if (!found) return dav::error_reply(http::status::not_found, "no such operation (monitors are kept a while after their operation ends)");
        if (method != http::verb::delete_) return json_reply(http::status::ok, std::move(found->json));
        if (!found->ended && !found->cancellable)
            return dav::error_reply(http::status::conflict,
                                    "a MOVE runs to its end: stopped half way it would be split between source and destination");
        if (!found->ended && mirror.request_cancel(id, user)) {
            log::info("operation " + std::string(id) + ": cancel requested for the node that runs it");
            // The report is the last one published; the running node sees the request within moments.
            auto json = std::move(found->json);
            if (auto at = json.find("\"cancel_requested\":false"); at != std::string::npos)
                json.replace(at, 24, "\"cancel_requested\":true");
            return json_reply(http::status::accepted, std::move(json));
        }
        mirror.forgotten(std::string(id));
        return dav::empty_reply(http::status::no_content);
    } catch (const locks::store_unavailable& e) {
        log::error("monitor " + std::string(id) + ": 503 (" + e.what() + ")");
        return dav::error_reply(http::status::service_unavailable, "the cluster's database is unreachable; try again");
    }
}

} // namespace

std::optional<std::string> monitor_id_of(std::string_view target, std::string_view prefix) {
    return dav::namespace_member(target, prefix, monitor_namespace);
}

dav::reply serve_monitor(http::verb method, std::string_view id, std::string_view user, operation_monitors& monitors) {
    if (method == http::verb::options) {
        auto r = dav::empty_reply(http::status::ok);
        r.fields.set(http::field::allow, monitor_methods);
        return r;
    }
    if (method != http::verb::get && method != http::verb::head && method != http::verb::delete_) {
        auto r = dav::error_reply(http::status::method_not_allowed, "a monitor answers GET, HEAD, DELETE and OPTIONS");
        r.fields.set(http::field::allow, monitor_methods);
        return r;
    }
    auto m = id.empty() ? nullptr : monitors.find(id, user);
    if (!m && !id.empty() && monitors.mirror()) return serve_mirrored(method, id, user, *monitors.mirror());
    if (!m) return dav::error_reply(http::status::not_found, "no such operation (monitors are kept a while after their operation ends)");
    if (method != http::verb::delete_) return report_reply(http::status::ok, *m);
    switch (m->cancel()) {
    case monitor::cancel_outcome::requested:
        log::info("operation " + m->id() + ": cancel requested");
        // RFC 9110 §15.3.3: accepted; the operation stops at its next clean point.
        return report_reply(http::status::accepted, *m);
    case monitor::cancel_outcome::not_cancellable:
        return dav::error_reply(http::status::conflict,
                                "a MOVE runs to its end: stopped half way it would be split between source and destination");
    case monitor::cancel_outcome::already_ended: break;
    }
    monitors.forget(m->id());
    return dav::empty_reply(http::status::no_content);
}

bool runs_async(const dav::request_header& head) {
    auto method = head.method();
    if (method != http::verb::copy && method != http::verb::move && method != http::verb::delete_) return false;
    return http_util::prefers(head, "respond-async");
}

dav::reply start_async(net::thread_pool& pool, dav::operation op, locks::path_locks::hold claims,
                       operation_monitors& monitors, std::string user, std::string_view base) {
    auto m = monitors.open(std::move(user), op.description, op.progress, op.cancellable);
    log::info(op.description + ": runs on as operation " + m->id());
    net::post(pool, [op = std::move(op), claims = std::move(claims), m, &monitors]() mutable {
        auto r = run_to_reply(op, m->stop_token());
        claims.release(); // the change is made (or stopped): overlapping requests may go on
        m->finish(r, monitor::clock::now());
        log::info(op.description + ": operation " + m->id() + " ended (" +
                  std::to_string(static_cast<unsigned>(r.status)) + (m->stop_token().stop_requested() ? ", stopped" : "") + ")");
        monitors.ended(*m);
    });
    auto r = report_reply(http::status::accepted, *m);
    r.fields.set(http::field::location, std::string(base) + "/" + std::string(monitor_namespace) + "/" + m->id());
    r.fields.set("Preference-Applied", "respond-async");
    return r;
}

} // namespace keepdav::server
