#include "server/shared_state.hpp"

#include "dav/handler.hpp"
#include "fs/open_file_cache.hpp"
#include "log.hpp"
#include "server/operation_runner.hpp"

#include <boost/asio/post.hpp>

#include <ctime>

namespace keepdav::server {

dav::context shared_state::dav_context(bool tls, std::shared_ptr<const user> who) {
    if (who) {
        dav::context ctx{*who->where.tree, config, tls, who->where.locks};
        ctx.run_on_spare_worker = [pool = &fs_pool](std::function<void()> job) { net::post(*pool, std::move(job)); };
        ctx.open_files = &fs::open_file_cache::for_this_thread();
        ctx.properties = &properties;
        if (!who->rules.unrestricted()) ctx.access = &who->rules;
        ctx.owner = std::move(who);
        return ctx;
    }
    dav::context ctx{tree, config, tls, locks.get()};
    ctx.run_on_spare_worker = [pool = &fs_pool](std::function<void()> job) { net::post(*pool, std::move(job)); };
    ctx.open_files = &fs::open_file_cache::for_this_thread();
    ctx.properties = &properties;
    if (config.hide_os_litter) ctx.litter = &litter;
    return ctx;
}

void shared_state::record_answered(const request_summary& r) {
    if (config.metrics_listen) metrics.count(r);
    if (!config.access_log_off) {
        auto line = access_line(r, std::time(nullptr));
        if (access_log) access_log->append(line);
        else log::info(line);
    }
    if (transcript) transcript->append(r);
}

std::string shared_state::metrics_page() {
    metrics_snapshot s;
    metrics.fill(s);
    s.operations_running = operations_running();
    s.connections_open = session_count();
    if (logins) {
        s.failed_logins = logins->failed_count();
        s.throttled_logins = logins->throttled_count();
    }
    return format_metrics(s);
}

void shared_state::record_unanswered(const request_summary& r) {
    if (transcript) transcript->append(r);
}

void shared_state::add(session_base* s, std::weak_ptr<session_base> weak) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(s, std::move(weak));
}

void shared_state::remove(session_base* s) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
    if (sessions_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<session_base>> shared_state::sessions() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<session_base>> out;
    for (auto& [_, weak] : sessions_)
        if (auto s = weak.lock()) out.push_back(std::move(s));
    return out;
}

std::size_t shared_state::session_count() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

bool shared_state::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return empty_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

} // namespace keepdav::server
