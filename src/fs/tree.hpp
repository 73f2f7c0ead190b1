#pragma once
// The served directory tree. Every path a client names is resolved here, beneath one root directory
// descriptor, so that no spelling of a path and no symlink can reach outside the root.
#include "fs/unique_fd.hpp"

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/stat.h>
#include <sys/types.h>

namespace keepdav::fs {

using boost::system::error_code;
template <class T>
using result = boost::system::result<T>;

enum class kind { file, directory, other };

struct entry_info {
    kind type = kind::other;
    std::uint64_t size = 0;
    std::uint64_t inode = 0;
    std::uint64_t device = 0;
    mode_t mode = 0;
    timespec modified{};
    timespec created{}; ///< birth time when the file system records it, else the change time
    timespec changed{}; ///< the change time (ctime), set by every change of data, attributes or xattrs; zero: unknown
    bool is_directory() const { return type == kind::directory; }
    bool is_symlink() const { return S_ISLNK(mode); }
};

/** A directory opened for *at() calls, with the name of one entry in it. */
struct parent_ref {
    unique_fd dir;
    std::string leaf;
};

/** Makes an error_code from errno (system category). */
error_code last_error();
error_code make_error(int errno_value);

/** stat of one entry relative to a directory descriptor; symlinks are not followed. */
result<entry_info> stat_at(int dir_fd, const char* name);
result<entry_info> stat_fd(int fd);

/** Names keepdav uses for its own temporary files: never listed, never served. */
bool is_internal_name(std::string_view name);
/** A fresh internal name, unique enough to never collide within a directory. */
std::string make_internal_name();

class tree {
public:
    /** Opens the root directory; fails if it is missing or not a directory. */
    static result<tree> open_root(const std::filesystem::path& root);

    /**
     * Opens `rel` (segments joined by '/', "" for the root) beneath the root. Symlinks are followed
     * only while they stay beneath it; an escape answers permission_denied.
     */
    result<unique_fd> open(std::string_view rel, int flags, mode_t mode = 0) const;
    result<entry_info> stat(std::string_view rel) const;
    /** Opens the directory holding `rel` (which must not be the root). */
    result<parent_ref> open_parent(std::string_view rel) const;

    int root_fd() const { return root_.get(); }
    const std::filesystem::path& root_path() const { return root_path_; }

private:
    tree(unique_fd root, std::filesystem::path path) : root_(std::move(root)), root_path_(std::move(path)) {}
    unique_fd root_;
    std::filesystem::path root_path_;
};

/** The space of the file system that holds a tree (RFC 4331's quota properties), in bytes. */
struct volume_space {
    std::uint64_t available = 0; ///< to an unprivileged user
    std::uint64_t used = 0;
};
result<volume_space> space_of(const tree& t);

/** Joins a relative path and a child name. */
std::string join(std::string_view rel, std::string_view name);
/** How many levels below the root `rel` lies: "" is 0, "a" is 1, "a/b" is 2. */
int path_depth(std::string_view rel);

} // namespace keepdav::fs
