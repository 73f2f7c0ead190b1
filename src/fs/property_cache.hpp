#pragma once
// The dead properties of files as last read, so a listing that asks for a property most files do not
// have (DAV:displayname, which every Windows, gvfs and rclone listing names) does not read extended
// attributes once per member. An entry is trusted while the file's change time (ctime) is the one it
// was read with: setting or removing an extended attribute sets the change time (so does any write,
// chmod or rename, which only costs a read), on this node or on another that shares the file system.
//
// A change time is only as fine as the file system's clock tick: a change in the same tick as the
// read would leave it as it was. So a read is kept only when the file last changed `settle` before it
// began (git's "racy git" rule): any later change then carries a later time. This assumes the nodes
// sharing a file system keep their clocks within `settle` of each other.
#include "fs/xattr_props.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace keepdav::fs {

class property_cache {
public:
    /** The wall clock, as file systems stamp change times. */
    using clock_function = std::function<timespec()>;
    static timespec realtime_now();

    /** The memory the cache may hold, its bookkeeping counted: a file with no property ~100 bytes. */
    static constexpr std::size_t default_capacity_bytes = 16 * 1024 * 1024;
    static constexpr std::chrono::milliseconds default_settle{1000};
    /** A file whose properties cost more than this is read each time (Windows' four Win32 ones fit). */
    static constexpr std::size_t max_kept_bytes = 1024;
    /** What keeping one file costs beyond its properties' bytes, and one property beyond its key and value. */
    static constexpr std::size_t entry_overhead = 96, property_overhead = 64;

    explicit property_cache(std::size_t capacity_bytes = default_capacity_bytes,
                            std::chrono::milliseconds settle = default_settle, clock_function now = realtime_now);

    /**
     * The properties of `t`, which `info` describes: a statx of the same entry taken just before
     * (its inode and change time). From memory when they were read at this change time; else read.
     */
    result<std::vector<stored_property>> read(const xattr_target& t, const entry_info& info);

    std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
    std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

private:
    struct key {
        std::uint64_t device, inode;
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept { return std::hash<std::uint64_t>{}(k.inode * 31 + k.device); }
    };
    struct kept {
        timespec changed;
        std::vector<stored_property> properties;
    };
    /** Threads listing one collection together (PROPFIND's helpers) mostly take different shards. */
    struct shard {
        std::mutex mutex;
        std::unordered_map<key, kept, key_hash> entries;
        std::size_t bytes = 0; ///< what `entries` costs, counted as cost_of() does
    };
    static constexpr std::size_t shard_count = 16;

    shard& shard_for(const key& k) { return shards_[key_hash{}(k) % shard_count]; }

    const std::size_t bytes_per_shard_;
    const std::chrono::milliseconds settle_;
    const clock_function now_;
    std::array<shard, shard_count> shards_;
    std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

} // namespace keepdav::fs
