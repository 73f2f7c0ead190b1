#include "server/tls_send_path.hpp"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace keepdav::server {

namespace {

/** Closes a descriptor at the end of a scope. */
struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

std::string failure(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

} // namespace

kernel_tls_probe probe_kernel_tls() {
    // The tls ULP attaches only to an established TCP socket: one loopback connection to itself
    // answers it (and loads the module where the kernel has it as one).
    fd_guard listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (listener.fd < 0) return {false, failure("socket")};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener.fd, 1) != 0 ||
        ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return {false, failure("loopback listener")};
    fd_guard client{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (client.fd < 0 || ::connect(client.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        return {false, failure("loopback connect")};
    fd_guard accepted{::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC)};
    if (accepted.fd < 0) return {false, failure("loopback accept")};
    if (::setsockopt(client.fd, IPPROTO_TCP, TCP_ULP, "tls", 3) != 0) return {false, failure("setsockopt TCP_ULP tls")};
    return {true, {}};
}

std::string tls_send_path_line(const kernel_tls_probe& kernel) {
    // OpenSSL hands a connection's encryption to the kernel (SSL_OP_ENABLE_KTLS, then SSL_sendfile)
    // only when its BIO is the socket; keepdav's TLS runs over Asio's BIO pair, and file bodies over
    // a BIO of its own for each batch (server/tls_file_sender), so kernel TLS would need a TLS stream
    // of keepdav's own over a socket BIO.
    std::string line = "file bodies over TLS: userspace (OpenSSL encrypts 256 KiB batches of 16 KiB records, one socket write each); ";
    if (kernel.available)
        return line + "the kernel offers TLS offload, which keepdav's TLS stream cannot use yet";
    return line + "no kernel TLS here (" + kernel.reason + ")";
}

} // namespace keepdav::server
