#pragma once
// Who is at the other end of an accepted connection, for the log and the trusted-proxy rule.
#include "net.hpp"

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>

namespace keepdav::server {

struct peer {
    /** For logs: the IP address, "unix:uid=N" for a unix-socket peer, "-" when unknown. */
    std::string name = "-";
    /** The IP address; none for a unix-socket peer. */
    std::optional<net::ip::address> address;
    /**
     * A process on this machine that the socket file's permissions let in. keepdav listens on a unix
     * socket for a proxy in front, so such a peer counts as a trusted proxy: its forwarding headers
     * say the scheme and host the client used (see README, "Running as a service").
     */
    bool local_socket = false;
};

/** The peer of the connected stream socket `fd`, TCP or unix. */
peer peer_of(int fd);

} // namespace keepdav::server
