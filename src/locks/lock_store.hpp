#pragma once
// The WebDAV write-lock table (RFC 4918 §6, §7): exclusive and shared locks, depth 0 or infinity,
// timeouts and refresh, behind an interface. Two stores: the file store (file_lock_store.hpp), the
// embedded default for one node, and the PostgreSQL store (pg_lock_store.hpp), which several nodes
// behind a balancer share.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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

/**
 * Thrown by a store that cannot reach its table (the database is down): the request that needed it
 * is answered 503 with Retry-After (dav/router.cpp), never carried out unchecked.
 */
struct store_unavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/**
 * The lock table. Thread-safe. `now` is the caller's clock; a store with a clock of its own (the
 * database's) uses that instead, so that every node of a cluster agrees on when a lock expires.
 * Every member may throw store_unavailable.
 */
class lock_store {
public:
    virtual ~lock_store() = default;

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
    virtual grant acquire(const request& r, clock::time_point now) = 0;

    /** Extends a lock; nullopt when the token is unknown or expired. */
    virtual std::optional<lock> refresh(std::string_view token, std::chrono::seconds timeout, clock::time_point now) = 0;
    /** Removes the lock with this token; false when there was none. */
    virtual bool release(std::string_view token) = 0;
    virtual std::optional<lock> find(std::string_view token, clock::time_point now) = 0;

    /** Locks that apply to `path` itself. */
    virtual std::vector<lock> covering(std::string_view path, clock::time_point now) = 0;
    /** Locks rooted at `path` or anywhere below it. */
    virtual std::vector<lock> rooted_within(std::string_view path, clock::time_point now) = 0;
    /** Drops the locks rooted at or below `path` (the resources are gone or moved away). */
    virtual void remove_within(std::string_view path) = 0;
};

/** A fresh token, "urn:uuid:" + a random (version 4) UUID. */
std::string new_lock_token();

/** True when a lock `r` would conflict with `existing` (RFC 4918 §6.1: exclusive excludes every other). */
bool locks_conflict(const lock& existing, const lock_store::request& r);

} // namespace keepdav::locks
