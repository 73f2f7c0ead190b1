#pragma once
// A file written beside its final name and made visible in one step. Until commit() it has no name
// (O_TMPFILE) or an internal one, so a reader never sees half a file and an abandoned write leaves
// nothing behind.
#include "fs/tree.hpp"

#include <filesystem>
#include <string_view>

namespace keepdav::fs {

class pending_file {
public:
    /** Creates the file in directory `dir_fd`, to become `leaf` on commit. `dir_fd` must outlive it. */
    static result<pending_file> create(int dir_fd, std::string leaf, mode_t mode = 0644);

    pending_file(pending_file&&) noexcept = default;
    pending_file& operator=(pending_file&&) noexcept;
    ~pending_file();

    int fd() const { return file_.get(); }
    const std::string& leaf() const { return leaf_; }

    /**
     * Gives the file its final name. With `replace` false an existing entry makes it fail with
     * file_exists and nothing changes; with `replace` true an existing file is replaced atomically.
     */
    error_code commit(bool replace);
    /**
     * Makes `new_dir` (which must outlive the file) the directory that commit() names the file in:
     * for when the old one was moved or replaced while the file was being written. Only within one
     * file system: across two it answers cross_device_link and nothing changes.
     */
    error_code move_to(int new_dir);
    /** Removes what was written; also what the destructor does for an uncommitted file. */
    void discard() noexcept;

private:
    pending_file(int dir, unique_fd file, std::string leaf, std::string temp_name)
        : dir_(dir), file_(std::move(file)), leaf_(std::move(leaf)), temp_name_(std::move(temp_name)) {}
    error_code link_anonymous(const std::string& name);

    int dir_;
    unique_fd file_;
    std::string leaf_;
    std::string temp_name_; ///< empty for an O_TMPFILE file, which has no name to clean up
    bool done_ = false;
};

/**
 * Replaces the file at `path` (any path: this is for keepdav's own state, not the served tree) with
 * `bytes` in one step, through a pending_file beside it: written, flushed to disk (fsync), then renamed
 * over the old one. A crash leaves the old content or the new, never a mix.
 */
error_code replace_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                  mode_t mode = 0600);

} // namespace keepdav::fs
