#pragma once
// The file of a unix listening socket: made at start (replacing a stale one that nothing listens on),
// removed at exit, and the facts of a socket handed over by systemd.
#include <keepdav/config.hpp>

#include <filesystem>
#include <sys/types.h>

namespace keepdav::server {

/** A bound, listening unix stream socket that this process made, and removes with itself. */
class unix_socket_file {
public:
    /**
     * Binds `path` with permissions `mode` and listens. A socket file already there is taken over
     * only when nothing accepts on it (a crashed server's); anything else there is an error.
     * Throws std::runtime_error saying why.
     */
    unix_socket_file(const std::filesystem::path& path, unsigned mode);
    ~unix_socket_file();
    unix_socket_file(const unix_socket_file&) = delete;
    unix_socket_file& operator=(const unix_socket_file&) = delete;
    /** Hands the listening descriptor over (once); the file stays this object's to remove. */
    int release_fd();

private:
    std::filesystem::path path_;
    int fd_ = -1;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

/**
 * What a listening socket inherited at start is: a TCP address or a unix path. Throws
 * std::runtime_error when `fd` is no listening stream socket of either kind.
 */
listen_address describe_inherited(int fd);

} // namespace keepdav::server
