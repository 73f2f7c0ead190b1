#pragma once
// A lock table that several keepdav nodes share: PostgreSQL (--lock-store postgresql://...). The
// rows are the WebDAV locks, timed by the database's clock; the path claims that make a request's
// checks and change one step (path_locks) are also taken as the database's advisory locks, so that
// they hold across nodes. How and why: README, "Several nodes". libpqxx stays behind this header.
#include "locks/lock_store.hpp"
#include "locks/path_locks.hpp"

#include <memory>
#include <string>

namespace keepdav::locks {

/** The connections to one database, shared by the lock tables and the claims of one server. */
class pg_database;

/** Connects lazily: a database down at start is the same as one that goes down later (503s until it is back). */
std::shared_ptr<pg_database> open_pg_database(std::string url);

/** The lock table of one served tree (`space`: its root path, the same on every node). */
std::unique_ptr<lock_store> make_pg_lock_store(std::shared_ptr<pg_database> db, std::string space);

/** The path claims, as session-level advisory locks. */
std::shared_ptr<remote_claims> make_pg_claims(std::shared_ptr<pg_database> db);

/** True when `url` names a PostgreSQL database (postgresql:// or postgres://). */
bool is_pg_url(std::string_view url);

} // namespace keepdav::locks
