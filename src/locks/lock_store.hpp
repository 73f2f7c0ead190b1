#pragma once
// The WebDAV write-lock table (RFC 4918 §6, §7): exclusive and shared locks, depth 0 or infinity,
// timeouts and refresh. Thread-safe. Persisted to one file, replaced atomically on every change, so a
// restart keeps the locks and a crash never leaves the table unreadable.
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace keepdav::locks {

using clock = std::chrono::system_clock;

struct lock {
    std::string token;     ///< "urn:uuid:..."
    std::string root;      ///< the lock root: a path beneath the served root ("" for the root)
    bool infinite = false; ///< depth infinity (covers every member) or depth 0
    bool exclusive = true;
    std::string owner_xml;          ///< the DAV:owner element as the client sent it, or empty
    std::chrono::seconds timeout{}; ///< as granted; zero means infinite
    clock::time_point expires;      ///< time_point::max() for an infinite lock

    /** True when this lock applies to `path` (its root, or a member of an infinite lock's root). */
    bool covers(std::string_view path) const;
};

/** True when `inner` is `outer` or lies below it (paths as in lock::root). */
bool path_within(std::string_view inner, std::string_view outer);

class lock_store {
public:
    /** An empty table that keeps nothing on disk (tests, and --state-dir none). */
    lock_store() = default;
    /** Loads `file` if it exists (expired locks dropped); every change is written back to it. */
    explicit lock_store(std::filesystem::path file);

    struct request {
        std::string root;
        bool infinite = true;
        bool exclusive = true;
        std::string owner_xml;
        std::chrono::seconds timeout{}; ///< zero: infinite
    };

    /** A new lock, or the conflicting lock that prevents it. */
    struct grant {
        std::optional<lock> granted;
        std::optional<lock> conflict;
    };
    grant acquire(const request& r, clock::time_point now);

    /** Extends a lock; nullopt when the token is unknown or expired. */
    std::optional<lock> refresh(std::string_view token, std::chrono::seconds timeout, clock::time_point now);
    /** Removes the lock with this token; false when there was none. */
    bool release(std::string_view token);
    std::optional<lock> find(std::string_view token, clock::time_point now);

    /** Locks that apply to `path` itself. */
    std::vector<lock> covering(std::string_view path, clock::time_point now);
    /** Locks rooted at `path` or anywhere below it. */
    std::vector<lock> rooted_within(std::string_view path, clock::time_point now);
    /** Drops the locks rooted at or below `path` (the resources are gone or moved away). */
    void remove_within(std::string_view path);

private:
    void drop_expired(clock::time_point now);
    void save();
    void load();

    std::mutex mutex_;
    std::map<std::string, lock, std::less<>> locks_; ///< by token
    std::optional<std::filesystem::path> file_;
};

/** A fresh token, "urn:uuid:" + a random (version 4) UUID. */
std::string new_lock_token();

} // namespace keepdav::locks
