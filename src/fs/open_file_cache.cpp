#include "fs/open_file_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace keepdav::fs {

open_file_cache& open_file_cache::for_this_thread() {
    thread_local open_file_cache cache;
    return cache;
}

result<open_file> open_file_uncached(const tree& t, std::string_view rel) {
    auto fd = t.open(rel, O_RDONLY);
    if (!fd) return fd.error();
    auto info = stat_fd(fd->get());
    if (!info) return info.error();
    return open_file{std::make_shared<unique_fd>(std::move(*fd)), *info};
}

bool open_file_cache::catch_up() {
    auto generation = generation_.load(std::memory_order_relaxed);
    if (generation == seen_generation_) return false;
    entries_.clear();
    seen_generation_ = generation;
    return true;
}

result<open_file> open_file_cache::open(const tree& t, std::string_view rel) {
    catch_up();
    if (tree_ != &t || root_fd_ != t.root_fd()) { // another server's tree on this thread
        entries_.clear();
        tree_ = &t;
        root_fd_ = t.root_fd();
    }
    if (auto it = entries_.find(rel); it != entries_.end()) {
        const entry& e = it->second;
        // Only regular files are kept, so the key is never "" (the root).
        auto now = stat_at(t.root_fd(), it->first.c_str());
        if (now && now->device == e.device && now->inode == e.inode && now->mode == e.mode &&
            std::chrono::steady_clock::now() - e.opened < max_age)
            return open_file{e.fd, *now};
        entries_.erase(it);
    }
    auto opened = open_file_uncached(t, rel);
    if (opened && opened->info.type == kind::file) {
        if (entries_.size() >= max_entries) entries_.clear();
        const entry_info& info = opened->info;
        entries_.emplace(std::string(rel),
                         entry{opened->fd, info.device, info.inode, info.mode, std::chrono::steady_clock::now()});
    }
    return opened;
}

void open_file_cache::expire() {
    if (catch_up()) return;
    auto now = std::chrono::steady_clock::now();
    std::erase_if(entries_, [now](const auto& kv) { return now - kv.second.opened >= max_age; });
}

} // namespace keepdav::fs
