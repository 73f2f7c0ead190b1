#include "locks/pg_database.hpp"

#include "log.hpp"

namespace keepdav::locks {

namespace {

/** Per node: enough for the writes in flight at once; PostgreSQL's default allows 100 in all. */
constexpr unsigned pool_cap[2] = {8, 24};
constexpr auto hold_down = std::chrono::seconds(1);

/**
 * The table, made by whichever node connects first. The transaction-level advisory lock makes
 * concurrent first starts take turns: CREATE ... IF NOT EXISTS alone races on the catalog.
 */
constexpr const char* schema = R"(
SELECT pg_advisory_xact_lock(7302453417461938279);
CREATE TABLE IF NOT EXISTS keepdav_locks (
    token text PRIMARY KEY,
    space text NOT NULL,
    root text NOT NULL,
    infinite boolean NOT NULL,
    exclusive boolean NOT NULL,
    owner_xml text NOT NULL,
    timeout_s bigint NOT NULL,
    expires timestamptz
);
CREATE INDEX IF NOT EXISTS keepdav_locks_space_root ON keepdav_locks (space, root);
CREATE TABLE IF NOT EXISTS keepdav_operations (
    id text PRIMARY KEY,
    owner text NOT NULL,
    cancellable boolean NOT NULL,
    ended boolean NOT NULL,
    cancel_requested boolean NOT NULL,
    report text NOT NULL,
    updated timestamptz NOT NULL
);
)";

} // namespace

bool is_pg_url(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

std::shared_ptr<pg_database> open_pg_database(std::string url) { return std::make_shared<pg_database>(std::move(url)); }

pg_database::lease::~lease() {
    if (db_) {
        std::lock_guard lock(db_->mutex_);
        --db_->out_[claims_];
        if (c_ && c_->is_open()) db_->idle_[claims_].push_back(std::move(c_));
    }
    if (db_) db_->returned_.notify_all();
}

bool pg_database::unreachable(const pqxx::failure& e) {
    auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
    if (!sql) return true; // broken_connection, in_doubt_error
    const auto& state = sql->sqlstate();
    return state.starts_with("08") || state.starts_with("57") || state.starts_with("53") || state.empty();
}

std::unique_ptr<pqxx::connection> pg_database::connect() {
    try {
        auto c = std::make_unique<pqxx::connection>(url_);
        bool need_schema = false;
        {
            std::lock_guard lock(mutex_);
            need_schema = !schema_ready_;
        }
        if (need_schema) {
            pqxx::work w(*c);
            w.exec(schema);
            w.commit();
            std::lock_guard lock(mutex_);
            schema_ready_ = true;
        }
        std::vector<std::string> undo;
        {
            std::lock_guard lock(mutex_);
            undo.swap(undo_);
        }
        for (std::size_t i = 0; i < undo.size(); ++i) {
            try {
                pqxx::work w(*c);
                w.exec_params("DELETE FROM keepdav_locks WHERE token = $1", undo[i]);
                w.commit();
            } catch (...) {
                std::lock_guard lock(mutex_);
                undo_.insert(undo_.end(), undo.begin() + static_cast<std::ptrdiff_t>(i), undo.end());
                throw;
            }
        }
        std::lock_guard lock(mutex_);
        if (logged_down_) log::info("lock store: the database is reachable again");
        logged_down_ = false;
        return c;
    } catch (const pqxx::failure& e) {
        if (!unreachable(e)) throw;
        failed(e.what());
        throw store_unavailable(e.what());
    }
}

pg_database::lease pg_database::borrow(bool claims) {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_[claims].empty() || out_[claims] < pool_cap[claims]; });
    if (std::chrono::steady_clock::now() < down_until_) throw store_unavailable("the lock database is unreachable");
    ++out_[claims];
    if (!idle_[claims].empty()) {
        auto c = std::move(idle_[claims].back());
        idle_[claims].pop_back();
        return lease(this, claims, std::move(c));
    }
    lock.unlock();
    try {
        return lease(this, claims, connect());
    } catch (...) {
        lock.lock();
        --out_[claims];
        returned_.notify_all();
        throw;
    }
}

void pg_database::undo_grant(std::string token) {
    std::lock_guard lock(mutex_);
    undo_.push_back(std::move(token));
}

void pg_database::failed(const std::string& why) {
    std::lock_guard lock(mutex_);
    down_until_ = std::chrono::steady_clock::now() + hold_down;
    // Every idle connection went with the database (or soon will): none is handed out again.
    idle_[0].clear();
    idle_[1].clear();
    if (!logged_down_) log::error("lock store: the database is unreachable, lock requests get 503: " + why);
    logged_down_ = true;
}

} // namespace keepdav::locks
