#pragma once
// Changes to the tree. Whole-tree copy and remove (through fs::walk), each cancellable between entries
// and between copy chunks, each reporting the members that failed instead of stopping at the first;
// and the one-entry changes (rename, remove a file, make a directory), so that no layer above makes a
// system call of its own.
#include "fs/walk.hpp"

#include <chrono>
#include <optional>

namespace keepdav::fs {

enum class copy_depth { resource_only, infinity };

/**
 * Copies `src` to `dst`, which must not exist. A file is copied into a pending_file and named when
 * complete; a collection is created, then (for infinity) its members. Members that fail are added to
 * `failures` and their subtrees skipped. Returns an error only when `dst` itself could not be made
 * (too_many_symbolic_link_levels when it would lie deeper than max_tree_depth), when it was removed
 * while being filled (no_such_file_or_directory, and no member failures), or operation_canceled when
 * stopped (the file being copied is then removed).
 *
 * A directory this copy made is never copied again, even when another client moves it into the
 * source meanwhile, and nothing is made deeper than max_tree_depth below the root.
 */
error_code copy_tree(const tree& t, std::string_view src, std::string_view dst, copy_depth depth,
                     walk_control& control, std::vector<member_failure>& failures);

/**
 * Removes `rel` and everything below it, deepest first, however deep it goes: at most a fixed number
 * of descriptors stay open, and a directory let go is opened again from the top, one name at a time,
 * never following a symlink. A member that cannot be removed is reported; its ancestors then stay,
 * and are not reported (RFC 4918 §9.6.1).
 */
error_code remove_tree(const tree& t, std::string_view rel, walk_control& control,
                       std::vector<member_failure>& failures);

/**
 * Removes keepdav's own temporary files (internal names) left anywhere in the tree by a crash, and
 * answers how many it removed. Files being written by this process are never named, so it is safe
 * to run while serving. With `min_age`, only those unchanged for that long: on a tree that several
 * nodes share, a younger one may be another node's upload in progress.
 */
std::size_t remove_leftovers(const tree& t, std::stop_token stop, std::chrono::seconds min_age = {});

/** Removes the entry `at` names, which must not be a directory (a file, a symlink). */
error_code remove_file(const parent_ref& at);

/** Makes the directory `at` names; file_exists when something has that name already. */
error_code make_directory(const parent_ref& at, mode_t mode = 0755);

/**
 * Renames `src` to `dst` in one step. With `replace` false an existing `dst` fails with file_exists.
 * Across file systems it answers cross_device_link: the caller then copies and removes.
 */
error_code rename_entry(const tree& t, std::string_view src, std::string_view dst, bool replace);

/** Times a client sets on a resource; an absent one is left as it is. */
struct entry_times {
    std::optional<timespec> accessed;
    std::optional<timespec> modified;
};

/**
 * Sets the times of `rel` (a file or a directory, the root included; a symlink itself, never what it
 * points to). Nothing to set is success.
 */
error_code set_times(const tree& t, std::string_view rel, const entry_times& times);

/** Sets the times of an open file (a PUT's pending file, before it is named). */
error_code set_times(int fd, const entry_times& times);

} // namespace keepdav::fs
