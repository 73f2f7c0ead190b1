#pragma once
// The embedded lock table of one node: in memory, persisted to one file, replaced atomically on every
// change, so a restart keeps the locks and a crash never leaves the table unreadable.
#include "locks/lock_store.hpp"

#include <filesystem>
#include <map>
#include <mutex>

namespace keepdav::locks {

class file_lock_store final : public lock_store {
public:
    /** An empty table that keeps nothing on disk (tests, and --state-dir none). */
    file_lock_store() = default;
    /** Loads `file` if it exists (expired locks dropped); every change is written back to it. */
    explicit file_lock_store(std::filesystem::path file);

    grant acquire(const request& r, clock::time_point now) override;
    std::optional<lock> refresh(std::string_view token, std::chrono::seconds timeout, clock::time_point now) override;
    bool release(std::string_view token) override;
    std::optional<lock> find(std::string_view token, clock::time_point now) override;
    std::vector<lock> covering(std::string_view path, clock::time_point now) override;
    std::vector<lock> rooted_within(std::string_view path, clock::time_point now) override;
    void remove_within(std::string_view path) override;

private:
    void drop_expired(clock::time_point now);
    void save();
    void load();

    std::mutex mutex_;
    std::map<std::string, lock, std::less<>> locks_; ///< by token
    std::optional<std::filesystem::path> file_;
};

} // namespace keepdav::locks
