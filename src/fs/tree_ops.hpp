#pragma once
// Whole-tree operations: copy, remove and move, each cancellable between entries and between copy
// chunks, each reporting the members that failed instead of stopping at the first.
#include "fs/walk.hpp"

namespace keepdav::fs {

enum class copy_depth { resource_only, infinity };

/**
 * Copies `src` to `dst`, which must not exist. A file is copied into a pending_file and named when
 * complete; a collection is created, then (for infinity) its members. Members that fail are added to
 * `failures` and their subtrees skipped. Returns an error only when `dst` itself could not be made,
 * or operation_canceled when stopped (the file being copied is then removed).
 */
error_code copy_tree(const tree& t, std::string_view src, std::string_view dst, copy_depth depth,
                     walk_control& control, std::vector<member_failure>& failures);

/**
 * Removes `rel` and everything below it, deepest first. A member that cannot be removed is reported;
 * its ancestors then stay, and are not reported (RFC 4918 §9.6.1).
 */
error_code remove_tree(const tree& t, std::string_view rel, walk_control& control,
                       std::vector<member_failure>& failures);

/**
 * Removes keepdav's own temporary files (internal names) left anywhere in the tree by a crash, and
 * answers how many it removed. Files being written by this process are never named, so it is safe
 * to run while serving.
 */
std::size_t remove_leftovers(const tree& t, std::stop_token stop);

/**
 * Renames `src` to `dst` in one step. With `replace` false an existing `dst` fails with file_exists.
 * Across file systems it answers cross_device_link: the caller then copies and removes.
 */
error_code rename_entry(const tree& t, std::string_view src, std::string_view dst, bool replace);

} // namespace keepdav::fs
