#include "server/peer.hpp"

#include <boost/asio/ip/address_v6.hpp>

#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>

namespace keepdav::server {

peer peer_of(int fd) {
    peer out;
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return out;
    if (storage.ss_family == AF_INET) {
        auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
        out.address = net::ip::address_v4(ntohl(in->sin_addr.s_addr));
    } else if (storage.ss_family == AF_INET6) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        net::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), in6->sin6_addr.s6_addr, bytes.size());
        out.address = net::ip::address_v6(bytes, in6->sin6_scope_id);
    } else if (storage.ss_family == AF_UNIX) {
        out.local_socket = true;
        ucred credentials{};
        socklen_t size = sizeof credentials;
        // The client's side of a unix socket has no name; its user tells which local process it is.
        out.name = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0
                       ? "unix:uid=" + std::to_string(credentials.uid)
                       : std::string("unix");
        return out;
    }
    if (out.address) out.name = out.address->to_string();
    return out;
}

} // namespace keepdav::server
