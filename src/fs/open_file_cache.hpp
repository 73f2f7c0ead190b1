#pragma once
// Regular files kept open between requests, one cache per I/O thread, so that a GET of a file served
// a moment ago costs one statx instead of openat2 + statx + close.
//
// A cached descriptor is used only when a fresh statx of the path (final symlink not followed) names
// the same device and inode with the same type and mode: the bytes are then read from the very file
// the path names now, and the metadata is the fresh one. A path that now names another file (a PUT,
// MOVE or DELETE through keepdav or anyone else) misses and is opened beneath the root as usual.
//
// An open descriptor keeps a deleted file's blocks allocated, so entries live at most max_age, the
// owner of the thread calls expire() at least that often, and clear_all_soon() (after every request
// that writes) drops every thread's entries at once.
#include "fs/tree.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keepdav::fs {

struct open_file {
    std::shared_ptr<unique_fd> fd;
    entry_info info;
};

/** Opens `rel` beneath the tree's root for reading, with its metadata: what the cache does on a miss. */
result<open_file> open_file_uncached(const tree& t, std::string_view rel);

class open_file_cache {
public:
    static constexpr auto max_age = std::chrono::seconds(1);
    static constexpr std::size_t max_entries = 256;

    /**
     * The cache of the calling thread. Only the server looks it up: it hands the I/O thread's cache to
     * dav through dav::context, so that what dav does never depends on the thread that calls it.
     */
    static open_file_cache& for_this_thread();

    /**
     * Opens `rel` beneath the tree's root, or takes it from the cache. Directories and other
     * non-regular files are returned too, but never kept.
     */
    result<open_file> open(const tree& t, std::string_view rel);

    /** Closes entries older than max_age. */
    void expire();

    /** Makes every thread's cache drop its entries before its next use. */
    static void clear_all_soon() { generation_.fetch_add(1, std::memory_order_relaxed); }

private:
    struct entry {
        std::shared_ptr<unique_fd> fd;
        std::uint64_t device;
        std::uint64_t inode;
        mode_t mode;
        std::chrono::steady_clock::time_point opened;
    };
    /** Drops every entry if clear_all_soon() was called since the last look; whether it did. */
    bool catch_up();
    /** Lets `rel` be looked up as a string_view: no key to build on a hit. */
    struct path_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    static inline std::atomic<std::uint64_t> generation_{0};
    std::uint64_t seen_generation_ = 0;
    const tree* tree_ = nullptr;
    int root_fd_ = -1;
    std::unordered_map<std::string, entry, path_hash, std::equal_to<>> entries_;
};

} // namespace keepdav::fs
