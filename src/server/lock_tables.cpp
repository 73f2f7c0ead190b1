#include "server/lock_tables.hpp"

#include "locks/file_lock_store.hpp"
#include "locks/postgresql.hpp"
#include "server/monitor_mirror.hpp"

#include <map>
#include <mutex>

namespace keepdav::server {

namespace {

/** One set of connections per database for the whole process: the server's tree and users' own trees share it. */
std::shared_ptr<locks::pg_database> database(const std::string& url) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<locks::pg_database>> open;
    std::lock_guard lock(mutex);
    auto db = open[url].lock();
    if (!db) open[url] = db = locks::open_pg_database(url);
    return db;
}

} // namespace

std::unique_ptr<locks::lock_store> open_lock_table(const server_config& config, const std::filesystem::path& root) {
    // Nodes tell their trees apart by the root's path, so every node mounts the shared tree at one path.
    if (!config.lock_store.empty()) return locks::make_pg_lock_store(database(config.lock_store), root.string());
    if (config.state_dir.empty()) return std::make_unique<locks::file_lock_store>();
    std::error_code ec;
    std::filesystem::create_directories(config.state_dir, ec);
    if (ec) throw std::runtime_error("cannot create the state directory " + config.state_dir.string() + ": " + ec.message());
    // One lock table per served tree, so servers of different trees can share a state directory.
    auto name = "locks-" + std::to_string(std::hash<std::string>{}(root.string())) + ".tsv";
    return std::make_unique<locks::file_lock_store>(config.state_dir / name);
}

std::shared_ptr<monitor_mirror> open_monitor_mirror(const server_config& config) {
    if (config.lock_store.empty()) return nullptr;
    return make_pg_monitor_mirror(database(config.lock_store), config.monitor_keep);
}

std::shared_ptr<locks::remote_claims> open_remote_claims(const server_config& config) {
    if (config.lock_store.empty()) return nullptr;
    return locks::make_pg_claims(database(config.lock_store));
}

} // namespace keepdav::server
