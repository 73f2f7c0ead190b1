#include "fs/atomic_write.hpp"
#include "fs/io.hpp"
#include "fs/tree_ops.hpp"
#include "fs/xattr_props.hpp"

#include <cerrno>
#include <climits>
#include <set>
#include <utility>
#include <vector>

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

/**
 * One copy, through the walk. frames_[d] is the destination directory made for the source directory at
 * walk depth d; a member's failure is reported with its destination path.
 */
class copier {
public:
    copier(std::string_view dst, walk_control& control, std::vector<member_failure>& failures)
        : dst_(dst), dst_depth_(path_depth(dst)), control_(control), failures_(failures) {}

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
     * Copies the directory open as `src_fd` (`src` below the root) to `dst_parent`/`leaf`, and for
     * infinity everything below it. Answers the error of making the destination itself,
     * no_such_file_or_directory when another client removed it meanwhile (its members' failures are
     * then dropped, since the one failure to report is its own), or operation_canceled.
     */
    error_code copy_directory(int src_fd, std::string_view src, int dst_parent, const std::string& leaf,
                              copy_depth depth) {
        walk_visitor visitor;
        error_code top_error;
        visitor.enter = [&](const walk_directory& dir) {
            if (dir.depth == 0) {
                auto made = make_directory_copy(dir, dst_parent, leaf, dst_);
                if (!made) {
                    top_error = made.error();
                    return walk_step::stop;
                }
                frames_.push_back({std::move(*made), dst_, failures_.size(), false});
                return depth == copy_depth::infinity ? walk_step::next : walk_step::skip;
            }
            // A directory this copy made (the destination, or one of its members) that now lies in
            // the source, moved there by another client: copying it would copy the copy, level after level.
            if (made_.contains({dir.info.device, dir.info.inode})) return walk_step::skip;
            frames_.resize(dir.depth);
            if (frames_.back().removed) return walk_step::skip;
            std::string rel = join(frames_.back().rel, dir.name);
            auto made = make_directory_copy(dir, frames_.back().fd.get(), std::string(dir.name), rel);
            if (!made) {
                member_failed(dir.depth, std::move(rel), made.error());
                return walk_step::skip;
            }
            frames_.push_back({std::move(*made), std::move(rel), failures_.size(), false});
            return walk_step::next;
        };
        visitor.member = [&](const walk_entry& e) {
            const frame& parent = frames_[e.depth - 1];
            if (parent.removed) return walk_step::skip; // every remaining member would fail the same way
            std::string rel = join(parent.rel, e.name);
            // Nothing is made deeper than a walk can reach again to list, copy or remove it.
            if (dst_depth_ + e.depth > max_tree_depth) {
                member_failed(e.depth, std::move(rel), make_error(ELOOP));
                return walk_step::skip;
            }
            if (e.type == entry_type::directory) return walk_step::next; // made when entered
            error_code ec;
            if (e.type == entry_type::symlink)
                ec = copy_symlink(e.dir_fd, e.name.data(), parent.fd.get(), rel);
            else if (e.type == entry_type::file)
                ec = copy_member_file(e, parent.fd.get(), rel);
            // devices, sockets, fifos are not resources
            if (ec == boost::system::errc::operation_canceled) return walk_step::stop;
            if (ec) member_failed(e.depth, std::move(rel), ec);
            return walk_step::next;
        };
        visitor.leave = [&](const walk_entry& e) {
            if (e.depth == 0) return walk_step::next; // the caller looks at frames_[0]
            frame done = std::move(frames_[e.depth]);
            frames_.resize(e.depth);
            if (done.removed) member_failed(e.depth, std::move(done.rel), make_error(ENOENT));
            return walk_step::next;
        };
        visitor.failed = [&](const walk_entry& e, error_code ec) {
            // Not opened, not listed, or not the directory listed: reported with its destination.
            std::string rel = frames_.size() > std::size_t(e.depth) ? frames_[e.depth].rel
                              : e.depth == 0                        ? std::string(dst_)
                                                                    : join(frames_[e.depth - 1].rel, e.name);
            frames_.resize(e.depth);
            if (e.depth == 0)
                failures_.push_back({std::move(rel), ec});
            else
                member_failed(e.depth, std::move(rel), ec);
            return walk_step::next;
        };
        walk_options options;
        options.stop = control_.stop;
        auto walked = walk(src_fd, src, options, visitor);
        if (walked && walked != boost::system::errc::operation_canceled) return walked; // nothing was made
        if (top_error) return top_error;
        if (!frames_.empty() && frames_[0].removed) return make_error(ENOENT);
        if (control_.stop_requested()) return make_error(ECANCELED);
        return {};
    }

private:
    struct frame {
        unique_fd fd;                ///< the destination directory
        std::string rel;             ///< its path below the root
        std::size_t failures_before; ///< failures_.size() when it was made
        bool removed;                ///< another client removed it while it was being filled
    };

    /** Makes `leaf` in `dst_parent` as a copy of the directory `dir` (without its members); open. */
    result<unique_fd> make_directory_copy(const walk_directory& dir, int dst_parent, const std::string& leaf,
                                          std::string_view rel) {
        if (control_.before_entry) control_.before_entry(rel);
        if (::mkdirat(dst_parent, leaf.c_str(), (dir.info.mode & 07777) | S_IRWXU) != 0) return last_error();
        int fd = ::openat(dst_parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return last_error();
        unique_fd dst(fd);
        if (auto made = stat_fd(dst.get())) made_.insert({made->device, made->inode});
        if (auto ec = copy_properties(dir.fd, dst.get())) return ec;
        if (control_.entry_done) control_.entry_done(rel, true);
        return dst;
    }

    /**
     * The member at walk depth `depth` failed as `rel`. When its destination directory was removed
     * meanwhile, that directory is the one failure to report (by its own parent), not each member.
     */
    void member_failed(int depth, std::string rel, error_code ec) {
        frame& parent = frames_[depth - 1];
        if (parent.removed) return;
        if (directory_removed(parent.fd.get())) {
            failures_.resize(parent.failures_before);
            parent.removed = true;
            return;
        }
        failures_.push_back({std::move(rel), ec});
    }

    error_code copy_member_file(const walk_entry& e, int dst_dir, std::string_view rel) {
        int fd = ::openat(e.dir_fd, e.name.data(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return last_error();
        unique_fd src(fd);
        auto info = stat_fd(src.get());
        if (!info) return info.error();
        if (info->type != kind::file) return {}; // replaced by something else since it was listed
        return copy_file(src.get(), *info, dst_dir, std::string(e.name), rel);
    }

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
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) return last_error();
            } else {
                buffer.resize(1 << 20);
                auto got = pread_some(in, buffer.data(), buffer.size(), in_off);
                if (!got) return got.error();
                n = static_cast<ssize_t>(*got);
                if (auto ec = pwrite_all(out, buffer.data(), *got, out_off)) return ec;
                in_off += n;
                out_off += n;
            }
            if (n == 0) return {}; // end of the source (it may have grown or shrunk since stat)
            done += n;
            if (control_.bytes_done) control_.bytes_done(n);
        }
    }

    error_code copy_symlink(int src_dir, const char* name, int dst_dir, std::string_view rel) {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(src_dir, name, target, sizeof target - 1);
        if (n < 0) return last_error();
        target[n] = 0;
        if (::symlinkat(target, dst_dir, name) != 0) return last_error();
        if (control_.entry_done) control_.entry_done(rel, false);
        return {};
    }

    std::string dst_;
    int dst_depth_;
    walk_control& control_;
    std::vector<member_failure>& failures_;
    std::vector<frame> frames_;
    /** (device, inode) of each directory this copy made: never a source to go into. */
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
    copier c(dst, control, failures);
    if (info->is_directory())
        return c.copy_directory(src_fd->get(), src, parent->dir.get(), parent->leaf, depth);
    if (info->type != kind::file) return make_error(EPERM);
    return c.copy_file(src_fd->get(), *info, parent->dir.get(), parent->leaf, dst);
}

} // namespace keepdav::fs
