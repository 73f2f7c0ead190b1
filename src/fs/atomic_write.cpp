#include "fs/atomic_write.hpp"
#include "fs/io.hpp"

#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

/**
 * The error of a call that failed in directory `dir`: no_such_file_or_directory when another client
 * removed that directory meanwhile (no links are left), whatever errno the call chose (O_TMPFILE in
 * a removed directory says EPERM), since the missing directory is the cause to report.
 */
error_code error_in(int dir) {
    auto ec = last_error();
    struct stat st {};
    if (::fstat(dir, &st) == 0 && st.st_nlink == 0) return make_error(ENOENT);
    return ec;
}

} // namespace

result<pending_file> pending_file::create(int dir, std::string leaf, mode_t mode) {
    int fd = ::openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
    if (fd >= 0) return pending_file(dir, unique_fd(fd), std::move(leaf), {});
    // Some file systems have no O_TMPFILE: fall back to an internal name, hidden from clients.
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return error_in(dir);
    std::string temp = make_internal_name();
    fd = ::openat(dir, temp.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return error_in(dir);
    return pending_file(dir, unique_fd(fd), std::move(leaf), std::move(temp));
}

error_code pending_file::move_to(int new_dir) {
    if (done_) return make_error(EINVAL);
    // A named file moves now; an O_TMPFILE file has no name until commit links it into new_dir.
    if (!temp_name_.empty() &&
        ::renameat2(dir_, temp_name_.c_str(), new_dir, temp_name_.c_str(), RENAME_NOREPLACE) != 0)
        return error_in(new_dir);
    dir_ = new_dir;
    return {};
}

pending_file& pending_file::operator=(pending_file&& other) noexcept {
    if (this != &other) {
        discard();
        dir_ = other.dir_;
        file_ = std::move(other.file_);
        leaf_ = std::move(other.leaf_);
        temp_name_ = std::move(other.temp_name_);
        done_ = std::exchange(other.done_, true);
    }
    return *this;
}

pending_file::~pending_file() { discard(); }

void pending_file::discard() noexcept {
    if (done_ || !file_) return;
    done_ = true;
    if (!temp_name_.empty()) ::unlinkat(dir_, temp_name_.c_str(), 0);
    file_.reset();
}

error_code pending_file::link_anonymous(const std::string& name) {
    char proc_path[64];
    std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", file_.get());
    if (::linkat(AT_FDCWD, proc_path, dir_, name.c_str(), AT_SYMLINK_FOLLOW) != 0) return error_in(dir_);
    return {};
}

error_code pending_file::commit(bool replace) {
    if (done_) return make_error(EINVAL);
    if (temp_name_.empty()) {
        if (!replace) {
            if (auto ec = link_anonymous(leaf_)) return ec;
            done_ = true;
            return {};
        }
        // linkat cannot replace; give the file an internal name, then rename over the target.
        std::string temp = make_internal_name();
        if (auto ec = link_anonymous(temp)) return ec;
        temp_name_ = std::move(temp);
    }
    unsigned flags = replace ? 0 : RENAME_NOREPLACE;
    if (::renameat2(dir_, temp_name_.c_str(), dir_, leaf_.c_str(), flags) != 0) return error_in(dir_);
    done_ = true;
    return {};
}

error_code replace_file_atomically(const std::filesystem::path& path, std::string_view bytes, mode_t mode) {
    auto parent = path.parent_path();
    int dir = ::open(parent.empty() ? "." : parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return last_error();
    unique_fd holder(dir);
    auto file = pending_file::create(dir, path.filename().string(), mode);
    if (!file) return file.error();
    if (auto ec = write_all(file->fd(), bytes.data(), bytes.size())) return ec;
    if (::fsync(file->fd()) != 0) return last_error();
    return file->commit(true);
}

} // namespace keepdav::fs
