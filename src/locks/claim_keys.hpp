#pragma once
// The advisory-lock keys that stand for path claims in a database several nodes share (pg_claims),
// and for a tree's LOCK acquisitions (pg_lock_store). Pure, so the argument that they conflict
// exactly when the claims do is checked as a table (tests/unit/locks/claim_keys_test.cpp).
#include "locks/path_locks.hpp"

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

namespace keepdav::locks {

/** FNV-1a over `salt`, a NUL and `text`, 64 bits: the same key for the same text on every node and build. */
std::int64_t stable_key(std::string_view salt, std::string_view text);

/**
 * The keys a request takes for `claims`, each with its mode (true: exclusive), in ascending key order.
 * A claim of P takes P exclusively and each ancestor of P (the root "" included) shared: two claims
 * meet exactly when one path is the other (exclusive against exclusive) or lies beneath it (the
 * ancestor's exclusive key against the descendant's shared one); unrelated paths share only ancestors,
 * shared against shared. A shared claim (a COPY's source) is taken exclusively: two COPYs of one
 * source on two nodes take turns rather than run together, which is slower, never wrong.
 */
std::map<std::int64_t, bool> claim_keys(const std::vector<path_claim>& claims);

} // namespace keepdav::locks
