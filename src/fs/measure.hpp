#pragma once
// How big a subtree is, for the totals a long operation's progress reports (RFC 2518's 102 says only
// that work goes on; a person wants to know how far it has to go).
#include "fs/tree.hpp"

#include <cstdint>
#include <stop_token>

namespace keepdav::fs {

struct tree_size {
    std::uint64_t items = 0; ///< the start and every entry below it (files, directories, symlinks)
    std::uint64_t bytes = 0; ///< of its regular files; 0 unless asked for
};

/**
 * Counts `rel` and everything below it, never following a symlink, through the same walk the tree
 * operations use. `with_bytes` adds a stat of each file for its size (a COPY's bytes); without it the
 * count needs only the directory listings. Answers operation_canceled when `stop` is requested.
 */
result<tree_size> measure_tree(const tree& t, std::string_view rel, bool with_bytes, std::stop_token stop);

} // namespace keepdav::fs
