#pragma once
// Asynchronous operations (RFC 7240 `Prefer: respond-async`): a COPY, MOVE or DELETE answered 202 at
// once runs on without its connection, and a monitor reports how far it has come and, at its end, how
// it ended. Several nodes mirror them in their database (monitor_mirror.hpp). Monitors live in memory (a restart forgets them, as it stops their operations), each for
// its owner alone, and are forgotten a while after their operation ends.
#include "dav/progress.hpp"
#include "dav/reply.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace keepdav::server {

/** What a monitor says at one moment: a value, formatted by monitor_json. */
struct monitor_report {
    enum class state { running, done, failed, cancelled };
    std::string id;
    std::string operation; ///< "COPY /a/ -> /b/"
    state status_now = state::running;
    dav::operation_progress::counts progress;
    double elapsed_seconds = 0;
    bool cancellable = true;
    bool cancel_requested = false;
    std::optional<unsigned> status; ///< the operation's final status, once it has one
    /** The 207 body that lists the members that failed (RFC 4918 §9.6.1, §9.8.8), if any. */
    std::string multistatus;
    bool multistatus_truncated = false;
};

/** "running", "done", "failed", "cancelled". */
std::string_view state_name(monitor_report::state s);

/**
 * The report as one JSON object: id, operation, state, progress {items, bytes, items_total,
 * bytes_total (null when unknown)}, elapsed_s, cancellable, cancel_requested, status (null while
 * running), multistatus (null unless some member failed), multistatus_truncated.
 */
std::string monitor_json(const monitor_report& r);

/** One asynchronous operation: shared by the worker that runs it and the requests that ask after it. */
class monitor {
public:
    using clock = std::chrono::steady_clock;
    /** A 207 body kept beyond this is cut (the report says so). */
    static constexpr std::size_t multistatus_limit = 1 << 20;

    monitor(std::string id, std::string owner, std::string operation,
            std::shared_ptr<dav::operation_progress> progress, bool cancellable, clock::time_point now);

    const std::string& id() const { return id_; }
    const std::string& owner() const { return owner_; }
    std::stop_token stop_token() const { return stop_.get_token(); }

    /** The operation ended with `r` (its 207 body, if any, is read now, up to multistatus_limit). */
    void finish(const dav::reply& r, clock::time_point now);

    enum class cancel_outcome { requested, not_cancellable, already_ended };
    /** Asks the operation to stop at its next clean point. */
    cancel_outcome cancel();
    /** Stops it whatever it is (the server shuts down). */
    void stop() { stop_.request_stop(); }

    bool ended() const;
    /** When it ended; only for an ended monitor. */
    clock::time_point ended_at() const;
    monitor_report report(clock::time_point now) const;

private:
    const std::string id_;
    const std::string owner_;
    const std::string operation_;
    const std::shared_ptr<dav::operation_progress> progress_;
    const bool cancellable_;
    const clock::time_point started_;
    std::stop_source stop_;
    mutable std::mutex mutex_;
    std::optional<clock::time_point> ended_;
    bool cancel_requested_ = false;
    std::optional<unsigned> status_;
    std::string multistatus_;
    bool multistatus_truncated_ = false;
};

class monitor_mirror;

/** Every monitor of one server. Thread-safe. */
class operation_monitors {
public:
    using clock = monitor::clock;

    /** `keep`: how long a monitor outlives its operation. */
    explicit operation_monitors(std::chrono::milliseconds keep) : keep_(keep) {}

    /** Several nodes: every monitor opened here is mirrored there too (set once, before serving). */
    void mirror_to(std::shared_ptr<monitor_mirror> mirror) { mirror_ = std::move(mirror); }
    /** Null for a node on its own. */
    monitor_mirror* mirror() const { return mirror_.get(); }

    /** A new monitor with a fresh, unguessable id, for an operation about to start. */
    std::shared_ptr<monitor> open(std::string owner, std::string operation,
                                  std::shared_ptr<dav::operation_progress> progress, bool cancellable);
    /** Its operation has ended (after monitor::finish): shutdown may stop waiting for it. */
    void ended(const monitor& m);
    /** The monitor `id` if `owner` started it and it has not expired. */
    std::shared_ptr<monitor> find(std::string_view id, std::string_view owner);
    /** Forgets an ended monitor (DELETE of it). */
    void forget(const std::string& id);

    std::size_t running();
    /** Waits until no operation runs or `deadline` passes; true if none runs. */
    bool wait_until_idle(clock::time_point deadline);
    /** Shutdown past its grace: every running operation stops at its next clean point. */
    void stop_all();

private:
    void expire(clock::time_point now); ///< with mutex_ held
    const std::chrono::milliseconds keep_;
    std::shared_ptr<monitor_mirror> mirror_;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::map<std::string, std::shared_ptr<monitor>, std::less<>> monitors_;
    std::size_t running_ = 0;
};

} // namespace keepdav::server
