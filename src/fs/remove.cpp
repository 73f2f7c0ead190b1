#include "fs/tree_ops.hpp"

#include <cerrno>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

class remover {
public:
    remover(walk_control& control, std::vector<member_failure>& failures) : control_(control), failures_(failures) {}

    /** Removes one entry; answers false when it (or something below it) stayed. */
    bool remove(int parent, const char* name, bool is_dir, const std::string& rel, int level) {
        if (control_.stop_requested()) return false;
        if (is_dir) {
            if (level > max_tree_depth) return fail(rel, make_error(ELOOP));
            int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) return fail(rel, last_error());
            unique_fd dir(fd);
            bool all_gone = true;
            std::vector<std::pair<std::string, bool>> members;
            auto ec = for_each_entry(
                dir.get(),
                [&](const char* member, unsigned char type) {
                    bool member_is_dir = type == DT_DIR;
                    if (type == DT_UNKNOWN) {
                        auto info = stat_at(dir.get(), member);
                        member_is_dir = info && info->is_directory();
                    }
                    members.emplace_back(member, member_is_dir);
                    return true;
                },
                true);
            if (ec) return fail(rel, ec);
            for (auto& [member, member_is_dir] : members) {
                if (control_.stop_requested()) return false;
                bool internal = is_internal_name(member);
                std::string member_rel = internal ? rel : join(rel, member);
                all_gone &= remove(dir.get(), member.c_str(), member_is_dir, member_rel, level + 1);
            }
            // RFC 4918 §9.6.1: a collection whose member stayed cannot go either, and is not reported.
            if (!all_gone) return false;
        }
        if (control_.before_entry) control_.before_entry(rel);
        if (::unlinkat(parent, name, is_dir ? AT_REMOVEDIR : 0) != 0) return fail(rel, last_error());
        if (control_.entry_done) control_.entry_done(rel, is_dir);
        return true;
    }

private:
    bool fail(const std::string& rel, error_code ec) {
        failures_.push_back({rel, ec});
        return false;
    }

    walk_control& control_;
    std::vector<member_failure>& failures_;
};

} // namespace

error_code remove_tree(const tree& t, std::string_view rel, walk_control& control,
                       std::vector<member_failure>& failures) {
    auto parent = t.open_parent(rel);
    if (!parent) return parent.error();
    auto info = stat_at(parent->dir.get(), parent->leaf.c_str());
    if (!info) return info.error();
    remover r(control, failures);
    std::size_t failures_before = failures.size();
    bool gone = r.remove(parent->dir.get(), parent->leaf.c_str(), info->is_directory(), std::string(rel), 0);
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
