#pragma once
// Directory iteration and the controls every tree operation shares: cancellation, progress and the
// per-member failures that a 207 Multi-Status reports.
#include "fs/tree.hpp"

#include <functional>
#include <stop_token>
#include <vector>

namespace keepdav::fs {

/** How a long tree operation reports and is steered. Every member is optional. */
struct walk_control {
    std::stop_token stop;
    /** Called before each entry is worked on (a test seam that can hold the worker). */
    std::function<void(std::string_view rel)> before_entry;
    /** Called when a resource is complete (copied, deleted, listed); `collection` for directories. */
    std::function<void(std::string_view rel, bool collection)> entry_done;
    /** Called as file bytes are copied. */
    std::function<void(std::uint64_t bytes)> bytes_done;

    bool stop_requested() const { return stop.stop_requested(); }
};

struct member_failure {
    std::string rel;
    error_code error;
};

/** The deepest directory nesting a tree operation follows before it refuses (ELOOP-like). */
inline constexpr int max_tree_depth = 256;

/**
 * Calls `visit(name, d_type)` for each entry of the directory `dir_fd` (which it does not close),
 * skipping ".", ".." and (unless asked) keepdav's internal names. Stops early when `visit` returns false.
 */
error_code for_each_entry(int dir_fd, const std::function<bool(const char* name, unsigned char d_type)>& visit,
                          bool include_internal = false);

} // namespace keepdav::fs
