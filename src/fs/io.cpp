#include "fs/io.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace keepdav::fs {

error_code write_all(int fd, const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, bytes, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return last_error();
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

error_code pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t offset) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return last_error();
        bytes += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return {};
}

result<std::size_t> pread_some(int fd, void* buffer, std::size_t size, std::uint64_t offset) {
    for (;;) {
        ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(offset));
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) return last_error();
    }
}

error_code pread_exact(int fd, void* buffer, std::size_t size, std::uint64_t offset) {
    char* bytes = static_cast<char*>(buffer);
    while (size > 0) {
        auto n = pread_some(fd, bytes, size, offset);
        if (!n) return n.error();
        if (*n == 0) return make_error(EIO);
        bytes += *n;
        size -= *n;
        offset += *n;
    }
    return {};
}

result<unique_fd> open_scratch_file(const std::string& directory) {
    int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return last_error();
    return unique_fd(fd);
}

} // namespace keepdav::fs
