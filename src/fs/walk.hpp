#pragma once
// The one tree walker. Copy, remove, PROPFIND, the HTML index and the sweep for leftovers all visit a
// subtree through walk() and differ only in their callbacks (nginx's ngx_walk_tree is the model).
// Also here: the controls the tree operations built on it share (cancellation, progress, the test
// seam) and the per-member failures that a 207 Multi-Status reports.
#include "fs/tree.hpp"

#include <functional>
#include <limits>
#include <span>
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

/** An entry's type as its directory lists it: a symlink is a symlink, never what it points to. */
enum class entry_type : unsigned char { file, directory, symlink, other };

/** An entry the walk reached. The views are valid during the callback only. */
struct walk_entry {
    int dir_fd = -1; ///< the open directory that holds it; -1 for the walk's start
    /** Its name in that directory (the start: its rel's last segment); NUL-terminated, for *at() calls. */
    std::string_view name;
    std::string_view rel; ///< its path below the tree's root
    entry_type type = entry_type::other;
    int depth = 0; ///< levels below the start: 0 for the start itself
};

/** A directory the walk has opened, about to list it. */
struct walk_directory : walk_entry {
    int fd = -1;     ///< the directory itself, open for reading and for *at() calls on its members
    entry_info info; ///< its metadata, as it was opened
};

/** One member in a batch handed to walk_visitor::members. */
struct walk_member {
    std::string name;
    entry_type type;
    /** Whether the walk goes into it: set for each directory within max_depth; the visitor may clear it. */
    bool enter;
};

/** What a callback answers. */
enum class walk_step {
    next, ///< go on; about a directory: go into it
    skip, ///< about a directory: do not go into it (nothing below is visited, leave is not called)
    stop, ///< end the walk here
};

struct walk_options {
    /** Directories this far below the start are visited, not entered (1: the start's members only). */
    int max_depth = std::numeric_limits<int>::max();
    /** Visits keepdav's internal names too (removing and sweeping must see them). */
    bool include_internal = false;
    /** The most members one walk_visitor::members call gets: bounds what a visitor holds at once. */
    std::size_t batch = 4096;
    /**
     * The most directories held open at once (at least 3), the start included, at any depth. One let go
     * is opened again from the start, name by name (O_NOFOLLOW), and must still be the one listed.
     */
    std::size_t kept_descriptors = 32;
    std::stop_token stop;
};

/**
 * The callbacks of one walk; each is optional. Order: `enter` a directory, list it in full, visit each
 * of its members (`members` or `member`), then go into its member directories one after the other (in
 * listing order), then `leave` it. So all of a directory's members are visited before anything below
 * them, a directory is left only after everything below it (pre-order and post-order in one walk),
 * and what a callback creates in a directory being visited (a copy into itself) is never visited.
 */
struct walk_visitor {
    /** Pre-order: a directory just opened, its members not yet listed. skip: none of them is visited. */
    std::function<walk_step(const walk_directory&)> enter;
    /** Each member of an entered directory, in listing order. For a directory, skip: do not enter it. */
    std::function<walk_step(const walk_entry&)> member;
    /**
     * Instead of `member`: the members of `dir` in batches (of walk_options::batch at most), for a
     * visitor that works on many at once (in parallel: `dir.fd` stays open for the whole call).
     */
    std::function<walk_step(const walk_directory& dir, std::span<walk_member> batch)> members;
    /** Post-order: a directory after everything below it; `dir_fd` is its parent, open again if need be. */
    std::function<walk_step(const walk_entry&)> leave;
    /**
     * A directory that could not be opened, listed, or opened again as the one listed (another client
     * replaced it: no_such_file_or_directory). Nothing more below it is visited and it is not left;
     * the walk goes on with its siblings.
     */
    std::function<walk_step(const walk_entry&, error_code)> failed;
};

/**
 * Walks the directory open as `start_fd` (borrowed; it stays open throughout), whose path below the
 * root is `rel`. Everything below it is opened relative to its parent with O_NOFOLLOW, so the walk
 * never follows a symlink and never leaves the start's subtree. Answers operation_canceled when
 * `options.stop` was requested (checked before each member and each directory), otherwise success:
 * what failed was reported to `visitor.failed`.
 */
error_code walk(int start_fd, std::string_view rel, const walk_options& options, const walk_visitor& visitor);

/**
 * Opens `rel` beneath the tree's root (symlinks followed only while they stay beneath it, as
 * tree::open does) and walks it; answers the error of that open, or the walk's.
 */
error_code walk(const tree& t, std::string_view rel, const walk_options& options,
                const walk_visitor& visitor);

} // namespace keepdav::fs
