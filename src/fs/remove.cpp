#include "fs/tree_ops.hpp"

#include <cerrno>
#include <vector>

#include <ctime>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

/** Removes `name` from `dir`, reported as `rel`; false (the failure added) when it stayed. */
bool unlink_entry(int dir, std::string_view name, bool is_dir, std::string_view rel, walk_control& control,
                  std::vector<member_failure>& failures) {
    if (control.before_entry) control.before_entry(rel);
    if (::unlinkat(dir, name.data(), is_dir ? AT_REMOVEDIR : 0) != 0) {
        failures.push_back({std::string(rel), last_error()});
        return false;
    }
    if (control.entry_done) control.entry_done(rel, is_dir);
    return true;
}

/** The rel of the directory that holds `e`. */
std::string_view holder_rel(const walk_entry& e) {
    return e.rel.size() > e.name.size() ? e.rel.substr(0, e.rel.size() - e.name.size() - 1)
                                        : std::string_view{};
}

} // namespace

// Deepest first, through the walk: each member as it is listed, each directory when it is left, once
// everything below it is gone. The walk holds few descriptors at any depth, so a tree made on disk by
// another tool, deeper than any walk lists, still goes with one DELETE.
error_code remove_tree(const tree& t, std::string_view rel, walk_control& control,
                       std::vector<member_failure>& failures) {
    auto parent = t.open_parent(rel);
    if (!parent) return parent.error();
    auto info = stat_at(parent->dir.get(), parent->leaf.c_str());
    if (!info) return info.error();
    std::size_t failures_before = failures.size();
    bool gone = false;
    if (control.stop_requested()) {
        // nothing is touched
    } else if (!info->is_directory()) {
        gone = unlink_entry(parent->dir.get(), parent->leaf, false, rel, control, failures);
    } else if (int fd = ::openat(parent->dir.get(), parent->leaf.c_str(),
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
               fd < 0) {
        failures.push_back({std::string(rel), last_error()});
    } else {
        unique_fd start(fd);
        // all_gone[d]: nothing has stayed below the directory being worked on at depth d. RFC 4918
        // §9.6.1: a collection whose member stayed cannot go either, and is not reported.
        std::vector<bool> all_gone;
        walk_visitor visitor;
        visitor.enter = [&](const walk_directory& dir) {
            all_gone.resize(dir.depth);
            all_gone.push_back(true);
            return walk_step::next;
        };
        visitor.member = [&](const walk_entry& e) {
            if (e.type == entry_type::directory) return walk_step::next; // removed when left
            // An internal name is reported as the collection holding it.
            auto reported = is_internal_name(e.name) ? holder_rel(e) : e.rel;
            if (!unlink_entry(e.dir_fd, e.name, false, reported, control, failures))
                all_gone[e.depth - 1] = false;
            return walk_step::next;
        };
        visitor.leave = [&](const walk_entry& e) {
            if (e.depth == 0) return walk_step::next; // the start goes below, from its parent
            if (!all_gone[e.depth] || !unlink_entry(e.dir_fd, e.name, true, e.rel, control, failures))
                all_gone[e.depth - 1] = false;
            return walk_step::next;
        };
        visitor.failed = [&](const walk_entry& e, error_code ec) {
            failures.push_back({std::string(e.rel), ec});
            all_gone.resize(e.depth);
            if (e.depth > 0) all_gone[e.depth - 1] = false;
            return walk_step::next;
        };
        walk_options options;
        options.include_internal = true; // leftovers of a crash go with their collection
        options.stop = control.stop;
        auto walked = walk(start.get(), rel, options, visitor);
        if (walked && walked != boost::system::errc::operation_canceled)
            failures.push_back({std::string(rel), walked});
        start.reset();
        gone = !all_gone.empty() && all_gone[0] && !control.stop_requested() &&
               unlink_entry(parent->dir.get(), parent->leaf, true, rel, control, failures);
    }
    if (control.stop_requested() && !gone) return make_error(ECANCELED);
    // A failure of the target itself is the operation's error, not a member's.
    if (!gone && failures.size() == failures_before + 1 && failures.back().rel == rel) {
        auto ec = failures.back().error;
        failures.pop_back();
        return ec;
    }
    return {};
}

std::size_t remove_leftovers(const tree& t, std::stop_token stop, std::chrono::seconds min_age) {
    std::size_t removed = 0;
    walk_visitor visitor;
    auto cutoff = ::time(nullptr) - min_age.count();
    visitor.member = [&](const walk_entry& e) {
        if (!is_internal_name(e.name)) return walk_step::next;
        struct stat st {};
        if (min_age.count() > 0 && (::fstatat(e.dir_fd, e.name.data(), &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_mtime > cutoff))
            return walk_step::skip;
        if (::unlinkat(e.dir_fd, e.name.data(), 0) == 0) ++removed;
        return walk_step::skip; // an internal name is never a collection to go into
    };
    walk_options options;
    options.include_internal = true;
    options.max_depth = max_tree_depth + 1; // every directory a walk lists is swept
    options.stop = std::move(stop);
    walk(t, "", options, visitor);
    return removed;
}

} // namespace keepdav::fs
