#include "locks/claim_keys.hpp"
#include "locks/pg_database.hpp"

#include <cstdint>

namespace keepdav::locks {

namespace {

/** The columns every query returns; `left` is the seconds the lock has to live, by the database's clock. */
constexpr const char* columns =
    "token, root, infinite, exclusive, owner_xml, timeout_s, extract(epoch from expires - now())::float8 AS left_s";
constexpr const char* alive = "(expires IS NULL OR expires > now())";
/** The locks that apply to $2 itself: rooted there, or an infinite lock on an ancestor. */
constexpr const char* covers_path =
    "(root = $2 OR (infinite AND (root = '' OR left($2, length(root) + 1) = root || '/')))";
/** The locks rooted at $2 or beneath it. */
constexpr const char* rooted_within_path = "($2 = '' OR root = $2 OR left(root, length($2) + 1) = $2 || '/')";

lock from_row(const pqxx::row& r) {
    lock l;
    l.token = r[0].as<std::string>();
    l.root = r[1].as<std::string>();
    l.infinite = r[2].as<bool>();
    l.exclusive = r[3].as<bool>();
    l.owner_xml = r[4].as<std::string>();
    l.timeout = std::chrono::seconds(r[5].as<long long>());
    // Expiry is the database's: this node's clock only turns what is left into a time point here.
    l.expires = r[6].is_null() ? clock::time_point::max()
                               : clock::now() + std::chrono::duration_cast<clock::duration>(
                                                    std::chrono::duration<double>(r[6].as<double>()));
    return l;
}

std::vector<lock> from_rows(const pqxx::result& rows) {
    std::vector<lock> out;
    for (const auto& r : rows) out.push_back(from_row(r));
    return out;
}

/** The SQL for an expiry `timeout` from now (NULL: infinite). */
constexpr const char* expiry_of_3 = "CASE WHEN $3::bigint = 0 THEN NULL ELSE now() + make_interval(secs => $3::bigint) END";

class pg_lock_store final : public lock_store {
public:
    pg_lock_store(std::shared_ptr<pg_database> db, std::string space)
        : db_(std::move(db)), space_(std::move(space)), acquire_key_(stable_key("keepdav-acquire", space_)) {}

    grant acquire(const request& r, clock::time_point) override {
        auto token = new_lock_token();
        try {
            return acquire(r, token);
        } catch (const store_unavailable&) {
            db_->undo_grant(token);
            throw;
        }
    }

    grant acquire(const request& r, const std::string& token) {
        return db_->with_table([&](pqxx::connection& c) -> grant {
            pqxx::work w(c);
            // Acquires of one tree take turns across nodes: the check for conflicts and the insert are
            // one step. The path claims already order overlapping LOCKs; this holds without them too.
            w.exec_params("SELECT pg_advisory_xact_lock($1)", acquire_key_);
            w.exec_params(std::string("DELETE FROM keepdav_locks WHERE space = $1 AND NOT ") + alive, space_);
            auto rows = w.exec_params(std::string("SELECT ") + columns + " FROM keepdav_locks WHERE space = $1 AND (" +
                                          covers_path + (r.infinite ? std::string(" OR ") + rooted_within_path : "") + ")",
                                      space_, r.root);
            for (const auto& existing : from_rows(rows))
                if (locks_conflict(existing, r)) return {std::nullopt, existing};
            auto row = w.exec_params1(std::string("INSERT INTO keepdav_locks VALUES ($4, $1, $2, $5, $6, $7, $3::bigint, ") +
                                          expiry_of_3 + ") RETURNING " + columns,
                                      space_, r.root, static_cast<long long>(r.timeout.count()), token,
                                      r.infinite, r.exclusive, r.owner_xml);
            auto granted = from_row(row);
            w.commit();
            return {granted, std::nullopt};
        });
    }

    std::optional<lock> refresh(std::string_view token, std::chrono::seconds timeout, clock::time_point) override {
        return db_->with_table([&](pqxx::connection& c) -> std::optional<lock> {
            pqxx::work w(c);
            auto rows = w.exec_params(std::string("UPDATE keepdav_locks SET timeout_s = $3::bigint, expires = ") + expiry_of_3 +
                                          " WHERE space = $1 AND token = $2 AND " + alive + " RETURNING " + columns,
                                      space_, std::string(token), static_cast<long long>(timeout.count()));
            w.commit();
            if (rows.empty()) return std::nullopt;
            return from_row(rows[0]);
        });
    }

    bool release(std::string_view token) override {
        return db_->with_table([&](pqxx::connection& c) {
            pqxx::work w(c);
            auto rows = w.exec_params("DELETE FROM keepdav_locks WHERE space = $1 AND token = $2 RETURNING token", space_,
                                      std::string(token));
            w.commit();
            return !rows.empty();
        });
    }

    std::optional<lock> find(std::string_view token, clock::time_point) override {
        auto found = select(std::string("token = $2 AND ") + alive, std::string(token));
        if (found.empty()) return std::nullopt;
        return found.front();
    }

    std::vector<lock> covering(std::string_view path, clock::time_point) override {
        return select(std::string(covers_path) + " AND " + alive, std::string(path));
    }

    std::vector<lock> rooted_within(std::string_view path, clock::time_point) override {
        return select(std::string(rooted_within_path) + " AND " + alive, std::string(path));
    }

    void remove_within(std::string_view path) override {
        db_->with_table([&](pqxx::connection& c) {
            pqxx::work w(c);
            w.exec_params(std::string("DELETE FROM keepdav_locks WHERE space = $1 AND ") + rooted_within_path, space_,
                          std::string(path));
            w.commit();
            return 0;
        });
    }

private:
    std::vector<lock> select(const std::string& where, const std::string& arg) {
        return db_->with_table([&](pqxx::connection& c) {
            pqxx::read_transaction w(c);
            return from_rows(w.exec_params(std::string("SELECT ") + columns +
                                               " FROM keepdav_locks WHERE space = $1 AND " + where,
                                           space_, arg));
        });
    }

    const std::shared_ptr<pg_database> db_;
    const std::string space_;
    const std::int64_t acquire_key_;
};

} // namespace

std::unique_ptr<lock_store> make_pg_lock_store(std::shared_ptr<pg_database> db, std::string space) {
    return std::make_unique<pg_lock_store>(std::move(db), std::move(space));
}

} // namespace keepdav::locks
