#pragma once
// Private to the PostgreSQL store (pg_*.cpp): the connection pools, and whether the database is
// reachable. Includes libpqxx: include it from nowhere else.
#include "locks/postgresql.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace keepdav::locks {

class pg_database {
public:
    explicit pg_database(std::string url) : url_(std::move(url)) {}

    /** A connection borrowed from a pool; back to it when destroyed, unless it failed (then closed). */
    class lease {
    public:
        lease(pg_database* db, bool claims, std::unique_ptr<pqxx::connection> c)
            : db_(db), claims_(claims), c_(std::move(c)) {}
        lease(lease&& other) noexcept
            : db_(std::exchange(other.db_, nullptr)), claims_(other.claims_), c_(std::move(other.c_)) {}
        ~lease();
        pqxx::connection& operator*() { return *c_; }
        /** The connection is not to be reused (it failed, or holds what only closing it gives back). */
        void discard() { c_.reset(); }

    private:
        pg_database* db_;
        bool claims_;
        std::unique_ptr<pqxx::connection> c_;
    };

    /**
     * A connection from the claims pool (held for a request's whole change) or the table pool (one
     * short transaction). Two pools, so that waiting claims can never starve the table of connections
     * that the holders they wait for need to finish. Throws store_unavailable while the database is
     * down; waits while a pool is at its cap.
     */
    lease borrow(bool claims);

    /**
     * Runs `work` on a connection from the table pool; a lost connection marks the database down and
     * becomes store_unavailable.
     */
    template <class Work>
    auto with_table(Work&& work) {
        auto l = borrow(false);
        try {
            return work(*l);
        } catch (const pqxx::failure& e) {
            if (!unreachable(e)) throw;
            l.discard();
            failed(e.what());
            throw store_unavailable(e.what());
        }
    }

    /**
     * True when `e` says the database is out of reach rather than that a statement is wrong: the
     * connection broke, a commit's outcome is unknown, or the server is shutting down, starting up or
     * out of connections (SQLSTATE classes 08, 57, 53).
     */
    static bool unreachable(const pqxx::failure& e);

    /**
     * The database failed: for the next second every borrow fails at once, without a connection
     * attempt, so requests get their 503 quickly and a request whose claims failed meets the same
     * state in its checks. After that, the next borrow tries to connect again (automatic recovery).
     */
    void failed(const std::string& why);

    /**
     * A lock whose grant failed in a way that may have committed all the same (the connection broke
     * during COMMIT): its client was told 503, so the lock must not stay. Deleted by the next
     * connection made, before it is used.
     */
    void undo_grant(std::string token);

private:
    std::unique_ptr<pqxx::connection> connect();

    const std::string url_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<pqxx::connection>> idle_[2]; ///< [0] table, [1] claims
    unsigned out_[2] = {0, 0};
    std::chrono::steady_clock::time_point down_until_{};
    bool logged_down_ = false;
    bool schema_ready_ = false;
    std::vector<std::string> undo_; ///< tokens of grants answered 503 (undo_grant)
};

} // namespace keepdav::locks
