#include "server/unix_socket.hpp"

#include <boost/asio/ip/address.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace keepdav::server {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error) {
    throw std::runtime_error("cannot listen on unix:" + path.string() + ": " + what + ": " + std::strerror(error));
}

sockaddr_un address_of(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof address.sun_path)
        throw std::runtime_error("unix socket path too long: " + path.string());
    std::memcpy(address.sun_path, path.c_str(), path.native().size());
    return address;
}

/** Whether a server accepts on the socket at `path`: a refused connection means a stale file. */
bool someone_listens(const sockaddr_un& address) {
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return true; // cannot tell: leave the file alone
    bool listens = ::connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 ||
                   (errno != ECONNREFUSED && errno != ENOENT);
    ::close(probe);
    return listens;
}

} // namespace

unix_socket_file::unix_socket_file(const std::filesystem::path& path, unsigned mode) : path_(path) {
    auto address = address_of(path);
    struct stat existing {};
    if (::lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) fail(path, "a file that is not a socket is in the way", EEXIST);
        if (someone_listens(address)) fail(path, "another server listens on it", EADDRINUSE);
        ::unlink(path.c_str());
    }
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail(path, "socket", errno);
    // The file is made with the mode at once (umask), then set exactly: nobody may connect in between.
    mode_t old_mask = ::umask(0777 & ~mode);
    int bound = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    int bind_error = errno;
    ::umask(old_mask);
    if (bound != 0) {
        ::close(fd_);
        fail(path, "bind", bind_error);
    }
    struct stat made {};
    if (::chmod(path.c_str(), mode) != 0 || ::stat(path.c_str(), &made) != 0 ||
        ::listen(fd_, SOMAXCONN) != 0) {
        int error = errno;
        ::close(fd_);
        ::unlink(path.c_str());
        fail(path, "chmod/listen", error);
    }
    device_ = made.st_dev;
    inode_ = made.st_ino;
}

int unix_socket_file::release_fd() { return std::exchange(fd_, -1); }

unix_socket_file::~unix_socket_file() {
    if (fd_ >= 0) ::close(fd_);
    // Only the file this process made: another server may have replaced it since.
    struct stat now {};
    if (::lstat(path_.c_str(), &now) == 0 && now.st_dev == device_ && now.st_ino == inode_) ::unlink(path_.c_str());
}

listen_address describe_inherited(int fd) {
    int type = 0, listening = 0;
    socklen_t length = sizeof type;
    sockaddr_storage storage{};
    socklen_t address_length = sizeof storage;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM ||
        (length = sizeof listening, ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length)) != 0 || !listening ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &address_length) != 0)
        throw std::runtime_error("inherited descriptor " + std::to_string(fd) + " is not a listening stream socket");
    listen_address out;
    out.inherited_fd = fd;
    char text[INET6_ADDRSTRLEN] = {};
    switch (storage.ss_family) {
    case AF_INET: {
        auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
        out.host = ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        out.port = ntohs(in->sin_port);
        return out;
    }
    case AF_INET6: {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        out.host = ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        out.port = ntohs(in6->sin6_port);
        return out;
    }
    case AF_UNIX: {
        auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
        auto path_bytes = address_length - offsetof(sockaddr_un, sun_path);
        out.unix_path = std::string(un->sun_path, ::strnlen(un->sun_path, path_bytes));
        if (out.unix_path.empty()) out.unix_path = "(unnamed)";
        return out;
    }
    default: throw std::runtime_error("inherited descriptor " + std::to_string(fd) + " is neither TCP nor a unix socket");
    }
}

} // namespace keepdav::server
