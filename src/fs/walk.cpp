#include "fs/walk.hpp"

#include <algorithm>
#include <cerrno>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

constexpr int open_directory_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

/** The type a listing gives, or (where the file system gives none) the entry's own, never followed. */
entry_type type_of(unsigned char d_type, int dir_fd, const char* name) {
    switch (d_type) {
    case DT_DIR:
        return entry_type::directory;
    case DT_REG:
        return entry_type::file;
    case DT_LNK:
        return entry_type::symlink;
    case DT_UNKNOWN:
        break;
    default:
        return entry_type::other;
    }
    auto info = stat_at(dir_fd, name);
    if (!info) return entry_type::other; // gone meanwhile: nothing to enter
    if (S_ISLNK(info->mode)) return entry_type::symlink;
    return info->type == kind::directory ? entry_type::directory
           : info->type == kind::file    ? entry_type::file
                                         : entry_type::other;
}

/** The members of the directory `dir_fd` (which stays open), without "." and "..". */
error_code list(int dir_fd, bool include_internal, std::vector<walk_member>& out) {
    // fdopendir takes ownership of its descriptor, so give it a fresh one on the same directory.
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_error();
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        auto ec = last_error();
        ::close(fd);
        return ec;
    }
    error_code result;
    for (;;) {
        errno = 0;
        dirent* ent = ::readdir(dir);
        if (!ent) {
            if (errno != 0) result = last_error();
            break;
        }
        const char* name = ent->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
        if (!include_internal && is_internal_name(name)) continue;
        out.push_back({name, type_of(ent->d_type, dir_fd, name), false});
    }
    ::closedir(dir);
    return result;
}

/**
 * One walk. Without recursion: `frames_` holds the directories from the start down to the one being
 * worked on, so no depth is too deep (a tree made by another tool must still go with one DELETE).
 * Only the start and the deepest directories stay open; see walk_options::kept_descriptors.
 */
class walker {
public:
    walker(int start_fd, std::string_view rel, const walk_options& options, const walk_visitor& visitor)
        : start_fd_(start_fd), options_(options), visitor_(visitor), rel_(rel),
          kept_(std::max<std::size_t>(3, options.kept_descriptors)) {}

    error_code run() {
        auto info = stat_fd(start_fd_);
        if (!info) return info.error();
        auto slash = rel_.rfind('/');
        frames_.push_back(
            {slash == std::string::npos ? rel_ : rel_.substr(slash + 1), rel_.size(), *info, {}, {}, 0});
        if (stopped()) return make_error(ECANCELED);
        visit_directory(-1);
        while (!frames_.empty() && !ended_) {
            if (stopped()) return make_error(ECANCELED);
            std::size_t top = frames_.size() - 1;
            if (frames_[top].next_subdir < frames_[top].subdirs.size()) {
                int parent = fd_of(top);
                if (parent < 0) continue; // reported, and what lay below it dropped
                descend(parent, std::move(frames_[top].subdirs[frames_[top].next_subdir++]));
                continue;
            }
            leave_top();
        }
        return stopped() ? make_error(ECANCELED) : error_code{};
    }

private:
    struct frame {
        std::string name;    ///< in the directory one level up
        std::size_t rel_end; ///< rel_.substr(0, rel_end) is this directory's rel
        entry_info info;     ///< as it was opened: a directory opened again must be this one
        unique_fd fd;        ///< open only while among the deepest kept (the start's is start_fd_, borrowed)
        std::vector<std::string> subdirs; ///< members to go into, in listing order
        std::size_t next_subdir;
    };

    bool stopped() const { return options_.stop.stop_requested(); }

    /** Makes `rel_` name the member `name` of the directory it names; answers its new length. */
    std::size_t append_to_rel(std::string_view name) {
        if (!rel_.empty()) rel_.push_back('/');
        rel_.append(name);
        return rel_.size();
    }

    walk_entry entry_of(std::size_t index, int parent_fd) const {
        return {parent_fd, frames_[index].name, std::string_view(rel_).substr(0, frames_[index].rel_end),
                entry_type::directory, static_cast<int>(index)};
    }

    /** Reports a directory that failed; it (and whatever lay below it) must be off the stack after. */
    void fail(const walk_entry& e, error_code ec) {
        if (visitor_.failed && visitor_.failed(e, ec) == walk_step::stop) ended_ = true;
    }

    void drop_top() {
        frames_.pop_back();
        first_open_ = std::max<std::size_t>(1, std::min(first_open_, frames_.size()));
        if (!frames_.empty()) rel_.resize(frames_.back().rel_end);
    }

    /** Opens the member directory `name` of the top directory (open as `parent_fd`) and visits it. */
    void descend(int parent_fd, std::string name) {
        std::size_t parent_end = rel_.size();
        std::size_t rel_end = append_to_rel(name);
        int fd = ::openat(parent_fd, name.c_str(), open_directory_flags);
        error_code ec = fd < 0 ? last_error() : error_code{};
        unique_fd opened(fd);
        result<entry_info> info = ec ? result<entry_info>(ec) : stat_fd(fd);
        if (!info) {
            fail({parent_fd, name, rel_, entry_type::directory, static_cast<int>(frames_.size())},
                 info.error());
            rel_.resize(parent_end);
            return;
        }
        frames_.push_back({std::move(name), rel_end, *info, std::move(opened), {}, 0});
        // Let go of the shallowest open directories beyond the budget: never the start, and (with at
        // least three kept) never the parent, which the callbacks of the new top are given.
        while (frames_.size() - first_open_ > kept_ - 1)
            frames_[first_open_++].fd.reset();
        visit_directory(parent_fd);
    }

    /** Enters the top directory (just opened), lists it and visits its members. */
    void visit_directory(int parent_fd) {
        std::size_t index = frames_.size() - 1;
        walk_directory dir;
        static_cast<walk_entry&>(dir) = entry_of(index, parent_fd);
        dir.fd = index == 0 ? start_fd_ : frames_[index].fd.get();
        dir.info = frames_[index].info;
        if (visitor_.enter) {
            auto step = visitor_.enter(dir);
            if (step == walk_step::stop) ended_ = true;
            if (step != walk_step::next) return drop_top();
        }
        std::vector<walk_member> members;
        if (auto ec = list(dir.fd, options_.include_internal, members)) {
            fail(dir, ec);
            return drop_top();
        }
        bool enterable = dir.depth + 1 < options_.max_depth;
        for (auto& m : members)
            m.enter = enterable && m.type == entry_type::directory;
        auto& subdirs = frames_[index].subdirs;
        if (visitor_.members) {
            std::span<walk_member> all(members);
            for (std::size_t begin = 0; begin < all.size(); begin += options_.batch) {
                if (stopped()) return;
                auto batch = all.subspan(begin, std::min(options_.batch, all.size() - begin));
                if (visitor_.members(dir, batch) == walk_step::stop) return void(ended_ = true);
            }
        } else if (visitor_.member) {
            for (auto& m : members) {
                if (stopped()) return;
                append_to_rel(m.name);
                auto step = visitor_.member({dir.fd, m.name, rel_, m.type, dir.depth + 1});
                rel_.resize(frames_[index].rel_end);
                if (step == walk_step::stop) return void(ended_ = true);
                if (step == walk_step::skip) m.enter = false;
            }
        }
        for (auto& m : members)
            if (m.enter) subdirs.push_back(std::move(m.name));
    }

    /** Everything below the top directory is done: leaves it, from its parent. */
    void leave_top() {
        std::size_t index = frames_.size() - 1;
        if (index == 0) {
            if (visitor_.leave) visitor_.leave(entry_of(0, -1));
            frames_.clear();
            return;
        }
        frames_[index].fd.reset();
        int parent = fd_of(index - 1);
        if (parent < 0) return; // the parent was replaced: reported, and this one dropped with it
        if (visitor_.leave && visitor_.leave(entry_of(index, parent)) == walk_step::stop) ended_ = true;
        drop_top();
    }

    /**
     * The descriptor of frames_[index] (the top, or the one below it), opened again from the start
     * when it was let go. When a directory on the way cannot be opened or is no longer the one listed,
     * that one is reported, it and all below it are dropped, and -1 is answered.
     */
    int fd_of(std::size_t index) {
        if (index == 0) return start_fd_;
        if (index >= first_open_) return frames_[index].fd.get();
        std::size_t keep_from = index + 2 > kept_ ? index + 2 - kept_ : 1;
        unique_fd walking;
        int from = start_fd_;
        for (std::size_t i = 1; i <= index; ++i) {
            int fd = ::openat(from, frames_[i].name.c_str(), open_directory_flags);
            error_code ec = fd < 0 ? last_error() : error_code{};
            unique_fd opened(fd);
            if (!ec) {
                auto info = stat_fd(fd);
                if (!info || info->device != frames_[i].info.device || info->inode != frames_[i].info.inode)
                    ec = make_error(ENOENT); // replaced by another client since it was listed
            }
            if (ec) {
                fail(entry_of(i, from), ec);
                frames_.resize(i);
                first_open_ = std::min(keep_from, i);
                rel_.resize(frames_.back().rel_end);
                return -1;
            }
            if (i >= keep_from) {
                frames_[i].fd = std::move(opened);
                from = frames_[i].fd.get();
            } else {
                walking = std::move(opened);
                from = walking.get();
            }
        }
        first_open_ = keep_from;
        return frames_[index].fd.get();
    }

    int start_fd_;
    const walk_options& options_;
    const walk_visitor& visitor_;
    std::string rel_; ///< the top directory's rel (a member's while a callback runs for it)
    std::size_t kept_;
    std::vector<frame> frames_;  ///< frames_[i] lies i levels below the start
    std::size_t first_open_ = 1; ///< frames_[i].fd is open for every i >= first_open_
    bool ended_ = false;         ///< a callback answered stop
};

} // namespace

error_code walk(int start_fd, std::string_view rel, const walk_options& options,
                const walk_visitor& visitor) {
    return walker(start_fd, rel, options, visitor).run();
}

error_code walk(const tree& t, std::string_view rel, const walk_options& options,
                const walk_visitor& visitor) {
    auto start = t.open(rel, O_RDONLY | O_DIRECTORY);
    if (!start) return start.error();
    return walk(start->get(), rel, options, visitor);
}

} // namespace keepdav::fs
