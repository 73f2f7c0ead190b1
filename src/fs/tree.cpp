#include "fs/tree.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

constexpr std::string_view internal_prefix = ".keepdav-tmp-";

entry_info info_from(const struct statx& st) {
    entry_info info;
    if (S_ISDIR(st.stx_mode))
        info.type = kind::directory;
    else if (S_ISREG(st.stx_mode))
        info.type = kind::file;
    info.size = st.stx_size;
    info.inode = st.stx_ino;
    info.device = (std::uint64_t(st.stx_dev_major) << 32) | st.stx_dev_minor;
    info.mode = st.stx_mode;
    info.modified = {static_cast<time_t>(st.stx_mtime.tv_sec), static_cast<long>(st.stx_mtime.tv_nsec)};
    if (st.stx_mask & STATX_CTIME) // else left zero: unknown (fs/property_cache then keeps nothing)
        info.changed = {static_cast<time_t>(st.stx_ctime.tv_sec), static_cast<long>(st.stx_ctime.tv_nsec)};
    if (st.stx_mask & STATX_BTIME)
        info.created = {static_cast<time_t>(st.stx_btime.tv_sec), static_cast<long>(st.stx_btime.tv_nsec)};
    else
        info.created = {static_cast<time_t>(st.stx_ctime.tv_sec), static_cast<long>(st.stx_ctime.tv_nsec)};
    return info;
}

result<entry_info> do_statx(int dir_fd, const char* name, int flags) {
    struct statx st {};
    if (::statx(dir_fd, name, flags, STATX_BASIC_STATS | STATX_BTIME, &st) != 0) return last_error();
    return info_from(st);
}

} // namespace

error_code make_error(int errno_value) { return {errno_value, boost::system::system_category()}; }
error_code last_error() { return make_error(errno); }

result<entry_info> stat_at(int dir_fd, const char* name) {
    return do_statx(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);
}

result<entry_info> stat_fd(int fd) { return do_statx(fd, "", AT_EMPTY_PATH); }

bool is_internal_name(std::string_view name) { return name.starts_with(internal_prefix); }

std::string make_internal_name() {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 random{std::random_device{}()};
    return std::string(internal_prefix) + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
           std::to_string(random() & 0xffffff);
}

result<volume_space> space_of(const tree& t) {
    struct statvfs v {};
    if (::fstatvfs(t.root_fd(), &v) != 0) return last_error();
    return volume_space{std::uint64_t(v.f_bavail) * v.f_frsize,
                        std::uint64_t(v.f_blocks - v.f_bfree) * v.f_frsize};
}

std::string join(std::string_view rel, std::string_view name) {
    std::string out;
    out.reserve(rel.size() + name.size() + 1);
    out.append(rel);
    if (!rel.empty()) out.push_back('/');
    out.append(name);
    return out;
}

int path_depth(std::string_view rel) {
    return rel.empty() ? 0 : 1 + static_cast<int>(std::count(rel.begin(), rel.end(), '/'));
}

result<tree> tree::open_root(const std::filesystem::path& root) {
    int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_error();
    std::error_code ec;
    auto canonical = std::filesystem::canonical(root, ec);
    return tree(unique_fd(fd), ec ? root : canonical);
}

result<unique_fd> tree::open(std::string_view rel, int flags, mode_t mode) const {
    std::string path = rel.empty() ? std::string(".") : std::string(rel);
    struct open_how how {};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0;; ++attempt) {
        long fd = ::syscall(SYS_openat2, root_.get(), path.c_str(), &how, sizeof how);
        if (fd >= 0) return unique_fd(static_cast<int>(fd));
        // EAGAIN: a concurrent rename raced the beneath-check; the kernel asks us to retry.
        if (errno == EAGAIN && attempt < 8) continue;
        // EXDEV: the path (through "..", an absolute symlink or a mount) would leave the root.
        if (errno == EXDEV || errno == ELOOP) return make_error(EACCES);
        return last_error();
    }
}

result<entry_info> tree::stat(std::string_view rel) const {
    auto fd = open(rel, O_PATH);
    if (!fd) return fd.error();
    return stat_fd(fd->get());
}

result<parent_ref> tree::open_parent(std::string_view rel) const {
    auto slash = rel.rfind('/');
    std::string_view parent = slash == std::string_view::npos ? std::string_view{} : rel.substr(0, slash);
    std::string_view leaf = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
    if (leaf.empty()) return make_error(EINVAL);
    auto dir = open(parent, O_PATH | O_DIRECTORY);
    if (!dir) return dir.error();
    return parent_ref{std::move(*dir), std::string(leaf)};
}

} // namespace keepdav::fs
