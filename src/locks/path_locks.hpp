#pragma once
// Short-term locks on the namespace, held by a request from the check of its preconditions (WebDAV
// locks, If, conditional headers) until its change is made, so that the two are one atomic step with
// respect to every other request that touches an overlapping path. Not the WebDAV lock table
// (lock_store): these last one request and are never seen by a client.
//
// Ordering rules:
// - Two claims overlap when one path is the other or lies beneath it (ancestors and descendants:
//   a DELETE of /a overlaps a PUT of /a/x); overlapping claims conflict unless both are shared.
// - A request names all its claims at once and gets them all or waits for all (no hold-and-wait, so
//   no deadlock), in arrival order: it is granted when it conflicts with nothing granted or queued
//   before it (no starvation). Requests on unrelated paths never wait for each other.
// - Granted claims are released when the change is made; waiting ones when their request goes away.
// - Several nodes (a cluster): once granted here, a request also takes its claims for the other nodes
//   (remote_claims, the database's advisory locks: see README, "Several nodes") before it goes on,
//   and gives those back before these.
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::locks {

/** A path beneath the served root ("" for the root, segments joined by '/', no trailing slash). */
struct path_claim {
    std::string path;
    bool exclusive = true; ///< false: shared (the source of a COPY, which only reads)
};

/** True when the two claims cannot be held at once. */
bool claims_conflict(const path_claim& a, const path_claim& b);

/**
 * The cross-node half of the claims: what every other node must respect. `take` may block, so it runs
 * elsewhere and calls `done` when the claims are held there, with what releases them when destroyed
 * (null when the take failed: the store is then unavailable, and the request's checks answer 503).
 */
class remote_claims {
public:
    virtual ~remote_claims() = default;
    using held = std::shared_ptr<void>;
    virtual void take(std::vector<path_claim> claims, std::function<void(held)> done) = 0;
};

class path_locks {
    struct entry;

public:
    /** Called once, when a waiting request's claims are granted, on the thread that released them. */
    using grant_handler = std::function<void()>;
    /**
     * Test seam: told of every grant, with the request's first claimed path and its grant handler,
     * which it calls when the test lets the request go on. With a seam no grant is "at once".
     */
    using grant_seam = std::function<void(std::string_view path, grant_handler go_on)>;

    explicit path_locks(grant_seam seam = {}, std::shared_ptr<remote_claims> remote = {})
        : seam_(std::move(seam)), remote_(std::move(remote)) {}

    /** A request's place in the table: held or waiting until destroyed (or released). */
    class hold {
    public:
        hold() = default;
        hold(hold&& other) noexcept;
        hold& operator=(hold&& other) noexcept;
        ~hold() { release(); }
        /** Gives the claims back (or leaves the queue): waiting requests they blocked may be granted. */
        void release();
        /** True when the claims were granted by acquire itself: the grant handler will never be called. */
        bool granted_at_once() const { return granted_at_once_; }
        /**
         * True when the claims were granted here but could not be taken on the other nodes (the
         * database was out of reach): the request must not go on as if they were held.
         */
        bool remote_failed() const;
        explicit operator bool() const { return table_ != nullptr; }

    private:
        friend class path_locks;
        hold(path_locks* table, std::list<entry>::iterator it, bool at_once)
            : table_(table), it_(it), granted_at_once_(at_once) {}
        path_locks* table_ = nullptr;
        std::list<entry>::iterator it_{};
        bool granted_at_once_ = false;
    };

    /**
     * Claims `claims` for one request. When nothing before it conflicts, the returned hold is granted
     * at once and `on_grant` is never called; otherwise `on_grant` is called when it is.
     */
    hold acquire(std::vector<path_claim> claims, grant_handler on_grant);

    /** Requests holding or waiting (for tests and diagnostics). */
    std::size_t size() const;

private:
    /** A request's claims on the other nodes: taken after the local grant, maybe after the request left. */
    struct remote_slot {
        std::mutex mutex;
        bool gone = false;  ///< the request released its hold: what a late take brings is given back
        bool taken = false; ///< the take has answered (held, or null: it failed)
        remote_claims::held held;
    };
    struct entry {
        std::vector<path_claim> claims;
        grant_handler on_grant;
        bool granted = false;
        std::shared_ptr<remote_slot> remote;
    };

    /** The handler to call now that `e` is granted here: with remote claims, one that takes them first. */
    grant_handler granted(entry& e);

    bool conflicts_before(std::list<entry>::iterator it) const;
    void release(std::list<entry>::iterator it);

    mutable std::mutex mutex_;
    std::list<entry> entries_; ///< in arrival order, granted and waiting alike
    const grant_seam seam_;
    const std::shared_ptr<remote_claims> remote_;
};

} // namespace keepdav::locks
