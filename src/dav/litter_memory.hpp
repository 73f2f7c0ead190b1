#pragma once
// The desktop litter clients wrote lately (--hide-os-litter), remembered without its content: Finder
// reads back what it has just written (a PROPFIND of `._name` right after its PUT) and must find it.
// Bounded: at most `capacity` names, each forgotten `keep` after it was written. Thread-safe.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace keepdav::dav {

class litter_memory {
public:
    using clock = std::chrono::steady_clock;
    struct entry {
        bool collection = false;
        std::time_t written = 0; ///< wall-clock time of the write, shown as its modification time
        clock::time_point expires;
    };

    explicit litter_memory(std::size_t capacity = 4096, clock::duration keep = std::chrono::hours(1))
        : capacity_(capacity), keep_(keep) {}

    void wrote(std::string_view rel, bool collection, clock::time_point now = clock::now());
    /** Forgets `rel` and everything remembered below it. */
    void removed(std::string_view rel);
    std::optional<entry> find(std::string_view rel, clock::time_point now = clock::now()) const;
    std::size_t size() const;

private:
    std::size_t capacity_;
    clock::duration keep_;
    mutable std::mutex mutex_;
    std::map<std::string, entry, std::less<>> entries_;
};

} // namespace keepdav::dav
