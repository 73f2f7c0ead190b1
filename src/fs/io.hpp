#pragma once
// Bytes to and from a descriptor, retried across EINTR and short counts: the one place that loop is
// written. Also the unnamed scratch files that large response bodies overflow into.
#include "fs/tree.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace keepdav::fs {

/** Writes all `size` bytes at the descriptor's position; the error of the write that failed, if one did. */
error_code write_all(int fd, const void* data, std::size_t size);

/** Writes all `size` bytes at `offset` (the descriptor's position is left alone). */
error_code pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t offset);

/** Reads up to `size` bytes at `offset`: how many it read, 0 at the end of the file. */
result<std::size_t> pread_some(int fd, void* buffer, std::size_t size, std::uint64_t offset);

/**
 * Reads exactly `size` bytes at `offset`. A file that ends first (it shrank since it was measured)
 * answers input_output_error: a length already promised to a client cannot be kept.
 */
error_code pread_exact(int fd, void* buffer, std::size_t size, std::uint64_t offset);

/** A new file in `directory` with no name (O_TMPFILE): its space goes when its last descriptor closes. */
result<unique_fd> open_scratch_file(const std::string& directory);

} // namespace keepdav::fs
