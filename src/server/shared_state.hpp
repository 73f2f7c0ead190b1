#pragma once
// What every connection of one server shares: configuration, the tree, the file system pool, the 102
// policy, and the registry that lets a shutdown reach every open connection.
#include "fs/tree.hpp"
#include "dav/litter_memory.hpp"
#include "fs/property_cache.hpp"
#include "locks/lock_store.hpp"
#include "locks/path_locks.hpp"
#include "net.hpp"
#include "server/interim_policy.hpp"
#include "server/line_file.hpp"
#include "server/lock_tables.hpp"
#include "server/metrics.hpp"
#include "server/operation_monitors.hpp"
#include "server/password_checks.hpp"
#include "server/resumable_exchange.hpp"
#include "server/request_origin.hpp"
#include "server/transcript.hpp"
#include "server/trusted_proxies.hpp"
#include "server/users.hpp"

#include <keepdav/config.hpp>

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace keepdav::dav {
struct context;
}

namespace keepdav::server {

class session_base;

struct shared_state {
    shared_state(server_config cfg, fs::tree t, unsigned fs_threads, std::unique_ptr<locks::lock_store> lock_table,
                 std::unique_ptr<transcript_log> transcript_file)
        : config(std::move(cfg)), tree(std::move(t)), policy(config), proxies(config.trusted_proxies),
          public_url(config.public_url.empty() ? std::nullopt : parse_public_url(config.public_url)),
          locks(std::move(lock_table)), path_locks(config.claims_held_hook, open_remote_claims(config)), monitors(config.monitor_keep),
          transcript(std::move(transcript_file)), fs_pool(fs_threads) {}

    const server_config config;
    const fs::tree tree;
    const interim_policy policy;
    const trusted_proxies proxies;
    const std::optional<request_origin> public_url; ///< --public-url
    const std::unique_ptr<locks::lock_store> locks;
    /** Makes each writing request's checks and change one step (see locks/path_locks.hpp). */
    locks::path_locks path_locks;
    /** Asynchronous operations (Prefer: respond-async) and their monitors. */
    operation_monitors monitors;
    const std::unique_ptr<transcript_log> transcript; ///< null without --transcript
    /** Who may log in, and what each sees; null without --auth-file and [[user]] entries. */
    std::atomic<std::shared_ptr<const users_table>> users; ///< swapped whole by a reload (SIGHUP)
    /** Checks Basic credentials against `users` off the I/O threads, and throttles failing addresses. */
    std::unique_ptr<password_checks> logins;
    /** Resumable uploads (draft-ietf-httpbis-resumable-upload); null without a state directory. */
    std::unique_ptr<resumable_uploads> uploads;
    std::unique_ptr<line_file> access_log;             ///< null: access lines go to the log (stderr)
    net::thread_pool fs_pool;
    /** Counted only with --metrics-listen. */
    server::metrics metrics;

    /** What GET /metrics shows now. */
    std::string metrics_page();
    /** Desktop litter written lately, remembered without content (--hide-os-litter). */
    dav::litter_memory litter;
    /** Dead properties as last read, for every user's tree (keyed by device and inode). */
    fs::property_cache properties;

    /**
     * What dav needs to serve one request, called on the I/O thread that serves it: PROPFIND's helpers
     * come from the file system pool, GET's open-file cache is this thread's.
     */
    dav::context dav_context(bool tls, std::shared_ptr<const user> who = nullptr);

    /** A request's access line (unless --access-log off) and transcript line, once it is answered. */
    void record_answered(const request_summary& r);
    /** A request that ends without a final response: its transcript line. */
    void record_unanswered(const request_summary& r);

    // --- open connections --------------------------------------------------------------------------
    void add(session_base* s, std::weak_ptr<session_base> weak);
    void remove(session_base* s);
    std::vector<std::shared_ptr<session_base>> sessions();
    std::size_t session_count();
    /** Waits until no connection is open or `deadline` passes; answers true if none is open. */
    bool wait_until_empty(std::chrono::steady_clock::time_point deadline);

private:
    std::mutex mutex_;
    std::condition_variable empty_;
    std::unordered_map<session_base*, std::weak_ptr<session_base>> sessions_;
};

} // namespace keepdav::server
