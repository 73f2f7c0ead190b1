#include "locks/lock_store.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace keepdav::locks {

bool path_within(std::string_view inner, std::string_view outer) {
    if (outer.empty()) return true;
    return inner == outer || (inner.size() > outer.size() && inner.starts_with(outer) && inner[outer.size()] == '/');
}

bool lock::covers(std::string_view path) const { return path == root || (infinite && path_within(path, root)); }

bool locks_conflict(const lock& existing, const lock_store::request& r) {
    // RFC 4918 §6.1: an exclusive lock excludes every other lock on the same resources.
    bool overlaps = existing.covers(r.root) || (r.infinite && path_within(existing.root, r.root));
    return overlaps && (existing.exclusive || r.exclusive);
}

std::string new_lock_token() {
    thread_local boost::uuids::random_generator generate;
    return "urn:uuid:" + boost::uuids::to_string(generate());
}

} // namespace keepdav::locks
