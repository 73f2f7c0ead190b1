#include "locks/pg_database.hpp"
#include "log.hpp"
#include "server/monitor_mirror.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace keepdav::server {

namespace {

/** How often the running node publishes its reports and looks for cancels asked elsewhere. */
constexpr auto publish_interval = std::chrono::milliseconds(200);

class pg_monitor_mirror final : public monitor_mirror {
public:
    pg_monitor_mirror(std::shared_ptr<locks::pg_database> db, std::chrono::milliseconds keep)
        : db_(std::move(db)), keep_(keep), publisher_([this](std::stop_token stop) { publish_loop(stop); }) {}

    ~pg_monitor_mirror() override {
        publisher_.request_stop();
        wake_.notify_all();
    }

    void opened(const std::shared_ptr<monitor>& m) override {
        // Published at once, so that another node finds it as soon as the client has its 202.
        try {
            publish({m});
        } catch (const std::exception& e) {
            log::warning("operation " + m->id() + ": not yet in the database (" + e.what() + ")");
        }
        std::lock_guard lock(mutex_);
        watched_.push_back(m);
    }

    void forgotten(const std::string& id) override {
        try {
            db_->with_table([&](pqxx::connection& c) {
                pqxx::work w(c);
                w.exec_params("DELETE FROM keepdav_operations WHERE id = $1", id);
                w.commit();
                return 0;
            });
        } catch (const std::exception& e) {
            log::warning("operation " + id + ": not forgotten in the database (" + e.what() + "); it expires there");
        }
    }

    std::optional<remote_report> find(std::string_view id, std::string_view owner) override {
        return db_->with_table([&](pqxx::connection& c) -> std::optional<remote_report> {
            pqxx::read_transaction w(c);
            auto rows = w.exec_params("SELECT report, ended, cancellable FROM keepdav_operations WHERE id = $1 AND owner = $2",
                                      std::string(id), std::string(owner));
            if (rows.empty()) return std::nullopt;
            return remote_report{rows[0][0].as<std::string>(), rows[0][1].as<bool>(), rows[0][2].as<bool>()};
        });
    }

    bool request_cancel(std::string_view id, std::string_view owner) override {
        return db_->with_table([&](pqxx::connection& c) {
            pqxx::work w(c);
            auto rows = w.exec_params("UPDATE keepdav_operations SET cancel_requested = true "
                                      "WHERE id = $1 AND owner = $2 AND NOT ended AND cancellable RETURNING id",
                                      std::string(id), std::string(owner));
            w.commit();
            return !rows.empty();
        });
    }

private:
    void publish_loop(std::stop_token stop) {
        while (!stop.stop_requested()) {
            std::vector<std::shared_ptr<monitor>> now;
            {
                std::lock_guard lock(mutex_);
                now = watched_;
            }
            try {
                publish(now);
            } catch (const std::exception& e) {
                // The database is out of reach: the reports wait; each node still answers for its own.
                (void)e;
            }
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, stop, publish_interval, [] { return false; });
        }
    }

    void publish(const std::vector<std::shared_ptr<monitor>>& now) {
        std::vector<std::string> final_reports; // ended, and said so: no longer watched
        db_->with_table([&](pqxx::connection& c) {
            pqxx::work w(c);
            for (const auto& m : now) {
                auto r = m->report(monitor::clock::now());
                bool ended = r.status_now != monitor_report::state::running;
                if (ended) final_reports.push_back(m->id());
                auto report = monitor_json(r);
                auto rows = w.exec_params(
                    "INSERT INTO keepdav_operations (id, owner, cancellable, ended, cancel_requested, report, updated) "
                    "VALUES ($1, $2, $3, $4, false, $5, now()) ON CONFLICT (id) DO UPDATE SET ended = $4, report = $5, "
                    "updated = now() RETURNING cancel_requested",
                    m->id(), m->owner(), r.cancellable, ended, report);
                // A cancel asked through another node reaches the operation here.
                if (!ended && !rows.empty() && rows[0][0].as<bool>() && m->cancel() == monitor::cancel_outcome::requested)
                    log::info("operation " + m->id() + ": cancel requested through another node");
            }
            w.exec_params("DELETE FROM keepdav_operations WHERE ended AND updated < now() - make_interval(secs => $1::float8)",
                          std::chrono::duration<double>(keep_).count());
            w.commit();
            return 0;
        });
        std::lock_guard lock(mutex_);
        std::erase_if(watched_, [&](const std::shared_ptr<monitor>& m) {
            return std::find(final_reports.begin(), final_reports.end(), m->id()) != final_reports.end();
        });
    }

    const std::shared_ptr<locks::pg_database> db_;
    const std::chrono::milliseconds keep_;
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::vector<std::shared_ptr<monitor>> watched_;
    std::jthread publisher_; ///< last: started once the rest is made
};

} // namespace

std::shared_ptr<monitor_mirror> make_pg_monitor_mirror(std::shared_ptr<locks::pg_database> db, std::chrono::milliseconds keep) {
    return std::make_shared<pg_monitor_mirror>(std::move(db), keep);
}

} // namespace keepdav::server
