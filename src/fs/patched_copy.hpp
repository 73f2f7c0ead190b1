#pragma once
// Copy-modify-rename: a file changed in part is rewritten beside itself and renamed over the old one,
// so a reader sees the old content or the new, never a mix. Where the file system shares extents
// (FICLONE: XFS with reflink, Btrfs, bcachefs, OCFS2), the copy costs what the change costs, not what
// the file weighs.
#include "fs/atomic_write.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace keepdav::fs {

enum class copy_method {
    none,    ///< nothing to copy (no base file)
    reflink, ///< the extents are shared (FICLONE): no data moved
    copy,    ///< copy_file_range, or reads and writes: the data moved
};

/** Told how many more bytes were copied, piece by piece (not called for shared extents). */
using copy_progress = std::function<void(std::uint64_t)>;

/** Copies all of `from` into the empty file `to`: shared extents where the file system can. */
result<copy_method> clone_contents(int from, int to, const copy_progress& copied = {});

/** Copies `length` bytes of `from` at `from_offset` to `to` at `to_offset`; a source that ends first is an error. */
error_code copy_range(int from, std::uint64_t from_offset, int to, std::uint64_t to_offset, std::uint64_t length,
                      const copy_progress& copied = {});

struct patched_file {
    pending_file file;
    copy_method method = copy_method::none;
};

/**
 * A pending file in `dir` (to become `leaf` on commit; `dir` must outlive it) that holds the content
 * of the file open as `base` (-1: none, the file starts empty) with `length` bytes of `piece`, from
 * its offset `piece_offset`, written over it at `offset`; past the end of `base` it grows. `base`'s
 * permission bits and dead properties carry over (the resource changed; it was not replaced). `base`
 * itself is untouched: commit(true) puts the result in its place in one step.
 */
result<patched_file> patched_copy(int dir, std::string leaf, int base, int piece, std::uint64_t piece_offset,
                                  std::uint64_t offset, std::uint64_t length, const copy_progress& copied = {});

} // namespace keepdav::fs
