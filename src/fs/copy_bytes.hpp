#pragma once
// One file's bytes into another, in the kernel where it can (copy_file_range: a reflink on file
// systems that share extents), else by reads and writes; shared by COPY and the commit of resumable uploads.
#include "fs/tree.hpp"

#include <cstdint>
#include <functional>

namespace keepdav::fs {

/**
 * Copies `in` from offset 0 into `out` from offset 0 until the end of `in` (`size` is a hint for the
 * chunk sizes: the file may have changed since it was measured). `stopped` is asked before each
 * chunk (ECANCELED when it answers true); `bytes_done` is told each chunk. Either may be empty.
 */
error_code copy_bytes(int in, int out, std::uint64_t size, const std::function<bool()>& stopped,
                      const std::function<void(std::uint64_t)>& bytes_done);

} // namespace keepdav::fs
