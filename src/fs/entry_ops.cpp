// The one-entry changes of tree_ops.hpp: each a single *at() call beneath an opened parent.
#include "fs/tree_ops.hpp"

#include <array>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

error_code remove_file(const parent_ref& at) {
    if (::unlinkat(at.dir.get(), at.leaf.c_str(), 0) != 0) return last_error();
    return {};
}

error_code make_directory(const parent_ref& at, mode_t mode) {
    if (::mkdirat(at.dir.get(), at.leaf.c_str(), mode) != 0) return last_error();
    return {};
}

error_code rename_entry(const tree& t, std::string_view src, std::string_view dst, bool replace) {
    auto from = t.open_parent(src);
    if (!from) return from.error();
    auto to = t.open_parent(dst);
    if (!to) return to.error();
    unsigned flags = replace ? 0 : RENAME_NOREPLACE;
    if (::renameat2(from->dir.get(), from->leaf.c_str(), to->dir.get(), to->leaf.c_str(), flags) != 0)
        return last_error();
    return {};
}

namespace {

/** utimensat's pair: UTIME_OMIT keeps a time the caller does not set (and the change time honest). */
std::array<timespec, 2> times_for(const entry_times& times) {
    timespec omit{0, UTIME_OMIT};
    return {times.accessed.value_or(omit), times.modified.value_or(omit)};
}

} // namespace

error_code set_times(const tree& t, std::string_view rel, const entry_times& times) {
    if (!times.accessed && !times.modified) return {};
    auto pair = times_for(times);
    if (rel.empty()) return set_times(t.root_fd(), times);
    auto at = t.open_parent(rel);
    if (!at) return at.error();
    if (::utimensat(at->dir.get(), at->leaf.c_str(), pair.data(), AT_SYMLINK_NOFOLLOW) != 0) return last_error();
    return {};
}

error_code set_times(int fd, const entry_times& times) {
    if (!times.accessed && !times.modified) return {};
    auto pair = times_for(times);
    if (::futimens(fd, pair.data()) != 0) return last_error();
    return {};
}

} // namespace keepdav::fs
