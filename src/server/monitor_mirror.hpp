#pragma once
// The monitors of asynchronous operations, mirrored where every node of a cluster finds them (the
// shared database): a client polling through the balancer reaches any node, and a cancel reaches the
// node that runs the operation. The node that runs it owns the monitor; the mirror is a copy of its
// report, refreshed a few times a second, and a cancel flag the owning node polls.
#include "server/operation_monitors.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace keepdav::locks {
class pg_database;
}

namespace keepdav::server {

class monitor_mirror {
public:
    virtual ~monitor_mirror() = default;
    /** A monitor opened on this node: published, and watched for a cancel asked through another node. */
    virtual void opened(const std::shared_ptr<monitor>& m) = 0;
    /** Forgotten (DELETE of an ended operation), wherever it ran. */
    virtual void forgotten(const std::string& id) = 0;

    /** What the mirror says of an operation of `owner` that runs, or ran, on another node. */
    struct remote_report {
        std::string json; ///< as monitor_json, at most a fraction of a second old
        bool ended = false;
        bool cancellable = true;
    };
    /** Throws locks::store_unavailable when the database is out of reach. */
    virtual std::optional<remote_report> find(std::string_view id, std::string_view owner) = 0;
    /** Asks the node that runs it to stop it; false when it has ended meanwhile. Throws as find. */
    virtual bool request_cancel(std::string_view id, std::string_view owner) = 0;
};

/** The mirror in the cluster's PostgreSQL database; `keep` as --monitor-keep. */
std::shared_ptr<monitor_mirror> make_pg_monitor_mirror(std::shared_ptr<locks::pg_database> db, std::chrono::milliseconds keep);

} // namespace keepdav::server
