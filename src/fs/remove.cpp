#include "fs/tree_ops.hpp"

#include <algorithm>
#include <cerrno>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

/**
 * Removes a tree deepest first without recursion, so that no depth is too deep to remove: a tree
 * made on disk by another tool, deeper than any walk lists, must still go with one DELETE. Only the
 * deepest `kept_descriptors` directories stay open; one let go is opened again from the base, name by
 * name (O_NOFOLLOW | O_DIRECTORY, so never through a symlink and never out of the tree), and must
 * still be the directory that was listed.
 */
class remover {
public:
    remover(int base_dir, walk_control& control, std::vector<member_failure>& failures)
        : base_(base_dir), control_(control), failures_(failures) {}

    /** Removes `name` (in the base directory, known as `rel`); false when it or something below stayed. */
    bool remove(const std::string& name, bool is_dir, const std::string& rel) {
        rel_ = rel;
        if (control_.stop_requested()) return false;
        // rel_ names the top directory between steps, and a member while it is worked on.
        if (!is_dir) return unlink_entry(base_, name, false, rel_);
        if (!enter(base_, name, rel_.size())) return false;
        bool gone = false;
        while (!stack_.empty()) {
            if (control_.stop_requested()) return false;
            int dir = top_fd();
            if (dir < 0) continue; // reported; what could not be reached was taken off the stack
            std::size_t top = stack_.size() - 1;
            std::size_t top_end = stack_[top].rel_end;
            if (!stack_[top].members.empty()) {
                auto [member, member_is_dir] = std::move(stack_[top].members.back());
                stack_[top].members.pop_back();
                // An internal name is reported as the collection holding it.
                std::size_t member_end = is_internal_name(member) ? rel_.size() : append_to_rel(member);
                bool removed = member_is_dir ? enter(dir, member, member_end) : unlink_entry(dir, member, false, rel_);
                if (!removed) stack_[top].all_gone = false;
                if (!removed || !member_is_dir) rel_.resize(top_end);
                continue;
            }
            // Every member is handled: the directory itself goes, from its parent.
            frame done = std::move(stack_[top]);
            stack_.pop_back();
            done.fd.reset();
            first_open_ = std::min(first_open_, stack_.size());
            int parent = stack_.empty() ? base_ : top_fd();
            if (parent < 0) continue;
            // RFC 4918 §9.6.1: a collection whose member stayed cannot go either, and is not reported.
            bool removed = done.all_gone && unlink_entry(parent, done.name, true, rel_);
            if (stack_.empty()) {
                gone = removed;
            } else {
                rel_.resize(stack_.back().rel_end);
                if (!removed) stack_.back().all_gone = false;
            }
        }
        return gone;
    }

private:
    /** Enough to spare the re-opening in trees of ordinary depth; a DELETE never holds more. */
    static constexpr std::size_t kept_descriptors = 32;

    struct frame {
        std::string name;    ///< in the directory one level up
        std::size_t rel_end; ///< rel_.substr(0, rel_end) is this directory's rel
        std::uint64_t device = 0, inode = 0;
        unique_fd fd; ///< open only while among the deepest kept_descriptors
        std::vector<std::pair<std::string, bool>> members; ///< still to remove: name, is a directory
        bool all_gone = true;
    };

    /** Makes `rel_` name the member `name` of the current one; answers its length. */
    std::size_t append_to_rel(std::string_view name) {
        if (!rel_.empty()) rel_.push_back('/');
        rel_.append(name);
        return rel_.size();
    }

    /** Opens and lists directory `name` in `parent`, and makes it the top; false (reported) if it cannot. */
    bool enter(int parent, const std::string& name, std::size_t rel_end) {
        frame f;
        f.name = name;
        f.rel_end = rel_end;
        int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return fail(last_error());
        f.fd = unique_fd(fd);
        auto info = stat_fd(fd);
        if (!info) return fail(info.error());
        f.device = info->device;
        f.inode = info->inode;
        auto ec = for_each_entry(
            fd,
            [&](const char* member, unsigned char type) {
                bool member_is_dir = type == DT_DIR;
                if (type == DT_UNKNOWN) {
                    auto member_info = stat_at(fd, member);
                    member_is_dir = member_info && member_info->is_directory();
                }
                f.members.emplace_back(member, member_is_dir);
                return true;
            },
            true);
        if (ec) return fail(ec);
        std::reverse(f.members.begin(), f.members.end()); // taken from the back, in listing order
        stack_.push_back(std::move(f));
        if (stack_.size() - first_open_ > kept_descriptors) stack_[first_open_++].fd.reset();
        return true;
    }

    /** Reports the entry `rel_` names. */
    bool fail(error_code ec) {
        failures_.push_back({rel_, ec});
        return false;
    }

    /**
     * The top directory's descriptor, opened again from the base when it was let go. When some
     * directory on the way is gone or is no longer the one listed, that one is reported, it and all
     * below it are taken off the stack, and -1 is answered.
     */
    int top_fd() {
        std::size_t top = stack_.size() - 1;
        if (top >= first_open_) return stack_[top].fd.get();
        std::size_t keep_from = top + 1 >= kept_descriptors ? top + 1 - kept_descriptors : 0;
        unique_fd walking;
        for (std::size_t i = 0; i <= top; ++i) {
            int from = i == 0 ? base_ : (i - 1 >= keep_from ? stack_[i - 1].fd.get() : walking.get());
            int fd = ::openat(from, stack_[i].name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            error_code ec = fd < 0 ? last_error() : error_code{};
            unique_fd opened(fd);
            if (!ec) {
                auto info = stat_fd(fd);
                if (!info || info->device != stack_[i].device || info->inode != stack_[i].inode)
                    ec = make_error(ENOENT); // replaced by another client since it was listed
            }
            if (ec) {
                failures_.push_back({rel_.substr(0, stack_[i].rel_end), ec});
                stack_.resize(i);
                first_open_ = std::min(keep_from, stack_.size());
                if (!stack_.empty()) {
                    stack_.back().all_gone = false;
                    rel_.resize(stack_.back().rel_end);
                }
                return -1;
            }
            if (i >= keep_from)
                stack_[i].fd = std::move(opened);
            else
                walking = std::move(opened);
        }
        first_open_ = keep_from;
        return stack_[top].fd.get();
    }

    bool unlink_entry(int dir, const std::string& name, bool is_dir, const std::string& rel) {
        if (control_.before_entry) control_.before_entry(rel);
        if (::unlinkat(dir, name.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0) {
            failures_.push_back({rel, last_error()});
            return false;
        }
        if (control_.entry_done) control_.entry_done(rel, is_dir);
        return true;
    }

    int base_;
    walk_control& control_;
    std::vector<member_failure>& failures_;
    std::vector<frame> stack_;
    std::size_t first_open_ = 0; ///< stack_[i].fd is open for every i >= first_open_
    std::string rel_;            ///< the top directory's rel, or its member's while that is worked on
};

} // namespace

error_code remove_tree(const tree& t, std::string_view rel, walk_control& control,
                       std::vector<member_failure>& failures) {
    auto parent = t.open_parent(rel);
    if (!parent) return parent.error();
    auto info = stat_at(parent->dir.get(), parent->leaf.c_str());
    if (!info) return info.error();
    remover r(parent->dir.get(), control, failures);
    std::size_t failures_before = failures.size();
    bool gone = r.remove(parent->leaf, info->is_directory(), std::string(rel));
    if (control.stop_requested() && !gone) return make_error(ECANCELED);
    // A failure of the target itself is the operation's error, not a member's.
    if (!gone && failures.size() == failures_before + 1 && failures.back().rel == rel) {
        auto ec = failures.back().error;
        failures.pop_back();
        return ec;
    }
    return {};
}

namespace {

std::size_t sweep(int dir_fd, std::stop_token& stop, int level) {
    if (level > max_tree_depth || stop.stop_requested()) return 0;
    std::size_t removed = 0;
    std::vector<std::string> subdirs;
    for_each_entry(
        dir_fd,
        [&](const char* name, unsigned char type) {
            if (is_internal_name(name)) {
                if (::unlinkat(dir_fd, name, 0) == 0) ++removed;
            } else if (type == DT_DIR) {
                subdirs.emplace_back(name);
            }
            return !stop.stop_requested();
        },
        true);
    for (const auto& name : subdirs) {
        int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        unique_fd sub(fd);
        removed += sweep(sub.get(), stop, level + 1);
    }
    return removed;
}

} // namespace

std::size_t remove_leftovers(const tree& t, std::stop_token stop) {
    auto root = t.open("", O_RDONLY | O_DIRECTORY);
    return root ? sweep(root->get(), stop, 0) : 0;
}

} // namespace keepdav::fs
