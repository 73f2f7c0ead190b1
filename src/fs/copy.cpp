#include "fs/atomic_write.hpp"
#include "fs/tree_ops.hpp"
#include "fs/xattr_props.hpp"

#include <cerrno>
#include <climits>
#include <set>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

// Big enough to keep copy_file_range efficient, small enough that a stop request is seen quickly.
constexpr std::size_t copy_chunk = 8 << 20;

/** True when the directory open as `dir_fd` has been removed (it has no links left). */
bool directory_removed(int dir_fd) {
    struct stat st {};
    return ::fstat(dir_fd, &st) == 0 && st.st_nlink == 0;
}

class copier {
public:
    copier(walk_control& control, std::vector<member_failure>& failures) : control_(control), failures_(failures) {}

    error_code copy_file(int src_fd, const entry_info& src_info, int dst_dir, const std::string& leaf,
                         std::string_view rel) {
        if (control_.before_entry) control_.before_entry(rel);
        auto pending = pending_file::create(dst_dir, leaf, src_info.mode & 07777);
        if (!pending) return pending.error();
        if (auto ec = copy_contents(src_fd, pending->fd(), src_info.size)) return ec;
        if (auto ec = copy_properties(src_fd, pending->fd())) return ec; // dead properties travel too
        const timespec times[2] = {{0, UTIME_OMIT}, src_info.modified};
        ::futimens(pending->fd(), times);
        if (auto ec = pending->commit(false)) return ec;
        if (control_.entry_done) control_.entry_done(rel, false);
        return {};
    }

    /**
     * Copies the members of `src_dir` into `dst_dir`, recursing for infinity. Answers
     * no_such_file_or_directory when `dst_dir` was removed meanwhile: its members' failures are then
     * dropped, since the one failure to report is the directory's own.
     */
    error_code copy_members(int src_dir, int dst_dir, std::string_view dst_rel, int level) {
        // Names first, then work: creating entries while reading the same directory (a copy into
        // itself) must not revisit them.
        std::vector<std::pair<std::string, unsigned char>> names;
        if (auto ec = for_each_entry(src_dir, [&](const char* name, unsigned char type) {
                names.emplace_back(name, type);
                return true;
            })) {
            failures_.push_back({std::string(dst_rel), ec});
            return {};
        }
        std::size_t failures_before = failures_.size();
        for (auto& [name, type] : names) {
            if (control_.stop_requested()) return {};
            std::string rel = join(dst_rel, name);
            if (auto ec = copy_member(src_dir, name, type, dst_dir, rel, level)) {
                if (ec == boost::system::errc::operation_canceled) return {};
                // Another client removed the directory being filled: every remaining member would
                // fail the same way, so stop here rather than report each of them.
                if (directory_removed(dst_dir)) {
                    failures_.resize(failures_before);
                    return make_error(ENOENT);
                }
                failures_.push_back({std::move(rel), ec});
            }
        }
        return {};
    }

    error_code copy_member(int src_dir, const std::string& name, unsigned char type, int dst_dir,
                           const std::string& rel, int level) {
        // Nothing is made deeper than a walk can reach again to list, copy or remove it.
        if (level >= max_tree_depth) return make_error(ELOOP);
        if (type == DT_UNKNOWN) {
            auto info = stat_at(src_dir, name.c_str());
            if (!info) return info.error();
            type = info->is_directory() ? DT_DIR : (info->type == kind::file ? DT_REG : DT_UNKNOWN);
            if (S_ISLNK(info->mode)) type = DT_LNK;
        }
        if (type == DT_LNK) return copy_symlink(src_dir, name, dst_dir, rel);
        if (type != DT_DIR && type != DT_REG) return {}; // devices, sockets, fifos are not resources
        int fd = ::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (type == DT_DIR ? O_DIRECTORY : 0));
        if (fd < 0) return last_error();
        unique_fd src(fd);
        auto info = stat_fd(src.get());
        if (!info) return info.error();
        if (!info->is_directory()) return copy_file(src.get(), *info, dst_dir, name, rel);
        // A directory this copy made (the destination, or one of its members) that now lies in the
        // source, moved there by another client: copying it would copy the copy, level after level.
        if (made_.contains({info->device, info->inode})) return {};
        return copy_directory(src.get(), *info, dst_dir, name, rel, level + 1, copy_depth::infinity);
    }

    /** `level` is the depth of `rel` below the root, so that nothing is made beyond max_tree_depth. */
    error_code copy_directory(int src_dir, const entry_info& info, int dst_parent, const std::string& leaf,
                              std::string_view rel, int level, copy_depth depth) {
        if (control_.before_entry) control_.before_entry(rel);
        if (::mkdirat(dst_parent, leaf.c_str(), (info.mode & 07777) | S_IRWXU) != 0) return last_error();
        int fd = ::openat(dst_parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return last_error();
        unique_fd dst(fd);
        if (auto made = stat_fd(dst.get())) made_.insert({made->device, made->inode});
        if (auto ec = copy_properties(src_dir, dst.get())) return ec;
        if (control_.entry_done) control_.entry_done(rel, true);
        if (depth == copy_depth::infinity)
            if (auto ec = copy_members(src_dir, dst.get(), rel, level)) return ec;
        if (control_.stop_requested()) return make_error(ECANCELED);
        return {};
    }

private:
    error_code copy_contents(int in, int out, std::uint64_t size) {
        std::uint64_t done = 0;
        loff_t in_off = 0, out_off = 0;
        bool use_copy_file_range = true;
        std::vector<char> buffer;
        for (;;) {
            if (control_.stop_requested()) return make_error(ECANCELED);
            ssize_t n;
            if (use_copy_file_range) {
                std::size_t want = size > done ? std::min<std::uint64_t>(copy_chunk, size - done) : copy_chunk;
                n = ::copy_file_range(in, &in_off, out, &out_off, want, 0);
                if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                    use_copy_file_range = false; // fall back to plain reads and writes from here
                    continue;
                }
            } else {
                buffer.resize(1 << 20);
                n = ::pread(in, buffer.data(), buffer.size(), in_off);
                if (n > 0) {
                    for (ssize_t written = 0; written < n;) {
                        ssize_t w = ::pwrite(out, buffer.data() + written, n - written, out_off + written);
                        if (w < 0 && errno == EINTR) continue;
                        if (w < 0) return last_error();
                        written += w;
                    }
                    in_off += n;
                    out_off += n;
                }
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return last_error();
            if (n == 0) return {}; // end of the source (it may have grown or shrunk since stat)
            done += n;
            if (control_.bytes_done) control_.bytes_done(n);
        }
    }

    error_code copy_symlink(int src_dir, const std::string& name, int dst_dir, std::string_view rel) {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(src_dir, name.c_str(), target, sizeof target - 1);
        if (n < 0) return last_error();
        target[n] = 0;
        if (::symlinkat(target, dst_dir, name.c_str()) != 0) return last_error();
        if (control_.entry_done) control_.entry_done(rel, false);
        return {};
    }

    walk_control& control_;
    std::vector<member_failure>& failures_;
    /** (device, inode) of each directory this copy made: never a source to descend into. */
    std::set<std::pair<std::uint64_t, std::uint64_t>> made_;
};

} // namespace

error_code copy_tree(const tree& t, std::string_view src, std::string_view dst, copy_depth depth,
                     walk_control& control, std::vector<member_failure>& failures) {
    if (path_depth(dst) > max_tree_depth) return make_error(ELOOP);
    auto src_fd = t.open(src, O_RDONLY);
    if (!src_fd) return src_fd.error();
    auto info = stat_fd(src_fd->get());
    if (!info) return info.error();
    auto parent = t.open_parent(dst);
    if (!parent) return parent.error();
    copier c(control, failures);
    if (info->is_directory())
        return c.copy_directory(src_fd->get(), *info, parent->dir.get(), parent->leaf, dst, path_depth(dst), depth);
    if (info->type != kind::file) return make_error(EPERM);
    return c.copy_file(src_fd->get(), *info, parent->dir.get(), parent->leaf, dst);
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

} // namespace keepdav::fs
