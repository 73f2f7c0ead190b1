#include "server/operation_monitors.hpp"

#include "fs/io.hpp"
#include "json.hpp"
#include "server/monitor_mirror.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <algorithm>
#include <cstdio>

namespace keepdav::server {

namespace {

std::string number_or_null(std::uint64_t n, bool known) { return known ? std::to_string(n) : "null"; }

/** The first `limit` bytes of a reply's body, wherever it is kept; `truncated` says whether there was more. */
std::string body_text(const dav::reply& r, std::size_t limit, bool& truncated) {
    truncated = false;
    if (const auto* text = std::get_if<std::string>(&r.body)) {
        truncated = text->size() > limit;
        return text->substr(0, limit);
    }
    if (const auto* range = std::get_if<dav::file_range>(&r.body)) {
        auto length = static_cast<std::size_t>(std::min<std::uint64_t>(range->length, limit));
        truncated = range->length > limit;
        std::string out(length, '\0');
        if (fs::pread_exact(range->file->get(), out.data(), length, range->offset)) return {};
        return out;
    }
    return {};
}

} // namespace

std::string_view state_name(monitor_report::state s) {
    switch (s) {
    case monitor_report::state::running: return "running";
    case monitor_report::state::done: return "done";
    case monitor_report::state::failed: return "failed";
    case monitor_report::state::cancelled: return "cancelled";
    }
    return "running";
}

std::string monitor_json(const monitor_report& r) {
    const auto& p = r.progress;
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.3f", r.elapsed_seconds);
    std::string out = "{\"id\":" + json_string(r.id) + ",\"operation\":" + json_string(r.operation) +
                      ",\"state\":" + json_string(state_name(r.status_now)) + ",\"progress\":{\"items\":" +
                      std::to_string(p.items) + ",\"bytes\":" + std::to_string(p.bytes) +
                      ",\"items_total\":" + number_or_null(p.items_total, p.totals_known()) +
                      ",\"bytes_total\":" + number_or_null(p.bytes_total, p.totals_known()) + "},\"elapsed_s\":" + elapsed +
                      ",\"cancellable\":" + (r.cancellable ? "true" : "false") +
                      ",\"cancel_requested\":" + (r.cancel_requested ? "true" : "false") +
                      ",\"status\":" + (r.status ? std::to_string(*r.status) : "null") +
                      ",\"multistatus\":" + (r.multistatus.empty() ? "null" : json_string(r.multistatus)) +
                      ",\"multistatus_truncated\":" + (r.multistatus_truncated ? "true" : "false") + "}";
    return out;
}

monitor::monitor(std::string id, std::string owner, std::string operation,
                 std::shared_ptr<dav::operation_progress> progress, bool cancellable, clock::time_point now)
    : id_(std::move(id)), owner_(std::move(owner)), operation_(std::move(operation)), progress_(std::move(progress)),
      cancellable_(cancellable), started_(now) {}

void monitor::finish(const dav::reply& r, clock::time_point now) {
    bool truncated = false;
    std::string failures;
    if (r.status == dav::http::status::multi_status) failures = body_text(r, multistatus_limit, truncated);
    std::lock_guard lock(mutex_);
    ended_ = now;
    status_ = static_cast<unsigned>(r.status);
    multistatus_ = std::move(failures);
    multistatus_truncated_ = truncated;
}

monitor::cancel_outcome monitor::cancel() {
    std::lock_guard lock(mutex_);
    if (ended_) return cancel_outcome::already_ended;
    if (!cancellable_) return cancel_outcome::not_cancellable;
    cancel_requested_ = true;
    stop_.request_stop();
    return cancel_outcome::requested;
}

bool monitor::ended() const {
    std::lock_guard lock(mutex_);
    return ended_.has_value();
}

monitor::clock::time_point monitor::ended_at() const {
    std::lock_guard lock(mutex_);
    return ended_.value_or(clock::time_point::max());
}

monitor_report monitor::report(clock::time_point now) const {
    monitor_report r;
    r.id = id_;
    r.operation = operation_;
    r.progress = progress_->peek();
    r.cancellable = cancellable_;
    std::lock_guard lock(mutex_);
    r.cancel_requested = cancel_requested_;
    r.elapsed_seconds = std::chrono::duration<double>((ended_ ? *ended_ : now) - started_).count();
    r.status = status_;
    r.multistatus = multistatus_;
    r.multistatus_truncated = multistatus_truncated_;
    if (!ended_) r.status_now = monitor_report::state::running;
    else if (cancel_requested_) r.status_now = monitor_report::state::cancelled;
    // A 207 reports members that failed: the operation did not do all it was asked.
    else if (*status_ < 300 && *status_ != 207) r.status_now = monitor_report::state::done;
    else r.status_now = monitor_report::state::failed;
    return r;
}

std::shared_ptr<monitor> operation_monitors::open(std::string owner, std::string operation,
                                                  std::shared_ptr<dav::operation_progress> progress, bool cancellable) {
    thread_local boost::uuids::random_generator generate;
    auto now = clock::now();
    auto m = std::make_shared<monitor>(boost::uuids::to_string(generate()), std::move(owner), std::move(operation),
                                       std::move(progress), cancellable, now);
    {
        std::lock_guard lock(mutex_);
        expire(now);
        monitors_.emplace(m->id(), m);
        ++running_;
    }
    if (mirror_) mirror_->opened(m);
    return m;
}

void operation_monitors::ended(const monitor&) {
    {
        std::lock_guard lock(mutex_);
        --running_;
    }
    idle_.notify_all();
}

std::shared_ptr<monitor> operation_monitors::find(std::string_view id, std::string_view owner) {
    std::lock_guard lock(mutex_);
    expire(clock::now());
    auto it = monitors_.find(id);
    // Another user's monitor does not exist for this one: 404, not 403, so its existence is not told.
    if (it == monitors_.end() || it->second->owner() != owner) return nullptr;
    return it->second;
}

void operation_monitors::forget(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        monitors_.erase(id);
    }
    if (mirror_) mirror_->forgotten(id);
}

std::size_t operation_monitors::running() {
    std::lock_guard lock(mutex_);
    return running_;
}

bool operation_monitors::wait_until_idle(clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return idle_.wait_until(lock, deadline, [this] { return running_ == 0; });
}

void operation_monitors::stop_all() {
    std::lock_guard lock(mutex_);
    for (auto& [_, m] : monitors_) m->stop();
}

void operation_monitors::expire(clock::time_point now) {
    std::erase_if(monitors_, [&](const auto& entry) {
        return entry.second->ended() && entry.second->ended_at() + keep_ <= now;
    });
}

} // namespace keepdav::server
