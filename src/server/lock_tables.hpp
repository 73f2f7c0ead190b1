#pragma once
// Which lock table a served tree gets: the node's own file (--state-dir) or the cluster's database
// (--lock-store postgresql://...), and the cross-node half of the path claims that goes with it.
#include "locks/lock_store.hpp"
#include "locks/path_locks.hpp"

#include <keepdav/config.hpp>

#include <filesystem>
#include <memory>

namespace keepdav::server {

/** The lock table of the tree at `root` (its canonical path). Throws std::runtime_error when it cannot be made. */
std::unique_ptr<locks::lock_store> open_lock_table(const server_config& config, const std::filesystem::path& root);

class monitor_mirror;

/** Where other nodes find this node's asynchronous operations; null for a node on its own. */
std::shared_ptr<monitor_mirror> open_monitor_mirror(const server_config& config);

/** The claims other nodes respect; null for a node on its own. */
std::shared_ptr<locks::remote_claims> open_remote_claims(const server_config& config);

} // namespace keepdav::server
