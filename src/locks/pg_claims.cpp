#include "locks/claim_keys.hpp"
#include "locks/pg_database.hpp"

#include "log.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <mutex>
#include <set>


namespace keepdav::locks {

namespace {

/** What a take holds: its connection, whose session owns the advisory locks. */
struct pg_held {
    explicit pg_held(pg_database::lease c) : connection(std::move(c)) {}
    pg_held(const pg_held&) = delete;
    pg_database::lease connection;
    ~pg_held() {
        try {
            pqxx::nontransaction n(*connection);
            n.exec("SELECT pg_advisory_unlock_all()");
        } catch (const std::exception&) {
            connection.discard(); // closing the session releases its advisory locks anyway
        }
    }
};

class pg_claims final : public remote_claims {
public:
    explicit pg_claims(std::shared_ptr<pg_database> db) : db_(std::move(db)) {}
    ~pg_claims() override {
        // Shutting down: takes still waiting for other nodes' holders give up rather than hold the
        // shutdown for as long as another node's COPY runs.
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            for (auto* c : waiting_) c->cancel_query();
        }
        waiters_.stop();
        waiters_.join();
    }

    void take(std::vector<path_claim> claims, std::function<void(held)> done) override {
        // Waiting for another node blocks a thread; never an I/O thread.
        boost::asio::post(waiters_, [this, claims = std::move(claims), done = std::move(done)] {
            done(take_now(claims));
        });
    }

private:
    held take_now(const std::vector<path_claim>& claims) {
        try {
            auto connection = db_->borrow(true);
            // Every node takes its keys in ascending order, so no two takes wait for each other in a
            // cycle; one round trip, the statements run in order. No lock_timeout: like path_locks,
            // a request waits until the ones before it are done.
            std::string sql;
            for (const auto& [key, exclusive] : claim_keys(claims))
                sql += std::string(exclusive ? "SELECT pg_advisory_lock(" : "SELECT pg_advisory_lock_shared(") +
                       std::to_string(key) + ");";
            auto* raw = &*connection;
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return nullptr;
                waiting_.insert(raw);
            }
            try {
                pqxx::nontransaction n(*connection);
                n.exec(sql);
            } catch (const std::exception& e) {
                bool stopping = false;
                {
                    std::lock_guard lock(mutex_); // out of reach of the destructor's cancel first
                    waiting_.erase(raw);
                    stopping = stopping_;
                }
                connection.discard(); // it may hold some of the keys: closing it gives them back
                if (!stopping) db_->failed(e.what());
                return nullptr;
            }
            std::lock_guard lock(mutex_);
            waiting_.erase(raw);
            return std::make_shared<pg_held>(std::move(connection));
        } catch (const store_unavailable&) {
            return nullptr;
        }
    }

    const std::shared_ptr<pg_database> db_;
    std::mutex mutex_;
    std::set<pqxx::connection*> waiting_; ///< connections whose take waits in the database
    bool stopping_ = false;
    /** Enough threads for the takes waiting at once; more wait in line here. */
    boost::asio::thread_pool waiters_{16};
};

} // namespace

std::shared_ptr<remote_claims> make_pg_claims(std::shared_ptr<pg_database> db) {
    return std::make_shared<pg_claims>(std::move(db));
}

} // namespace keepdav::locks
