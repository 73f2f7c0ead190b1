#include "dav/spool.hpp"

#include "fs/tree.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace keepdav::dav {

void spool::write(std::string_view data) {
    if (error_) return;
    memory_.append(data);
    if (memory_.size() >= memory_limit) flush();
}

void spool::flush() {
    if (memory_.empty() || error_) return;
    if (!file_) {
        int fd = ::open(directory_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            error_ = fs::last_error();
            return;
        }
        file_ = std::make_shared<fs::unique_fd>(fd);
    }
    std::size_t written = 0;
    while (written < memory_.size()) {
        ssize_t n = ::pwrite(file_->get(), memory_.data() + written, memory_.size() - written, file_size_ + written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error_ = fs::last_error();
            return;
        }
        written += n;
    }
    file_size_ += written;
    memory_.clear();
}

boost::system::error_code spool::finish(reply& r) {
    if (!file_) {
        r.body = std::move(memory_);
        return error_;
    }
    flush();
    r.body = file_range{file_, 0, file_size_};
    return error_;
}

} // namespace keepdav::dav
