#pragma once
#include "net.hpp"

#include <keepdav/config.hpp>

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace keepdav::server {

struct shared_state;
class unix_socket_file;

/**
 * Accepts connections on one address and hands them to the I/O contexts in turn. Each context is run
 * by one thread, so a connection's handlers never run at once and need no strand.
 *
 * A unix socket (made here, or inherited from systemd) is carried by the same tcp::acceptor and
 * tcp::socket objects: on a stream socket Asio's accept, read, write, sendfile and shutdown are the
 * same system calls whatever the address family, and only addresses differ, which nothing here asks
 * of such a socket (session peers come from server/peer.hpp). One session type serves both, and no
 * header has to become a template on the protocol.
 */
class listener : public std::enable_shared_from_this<listener> {
public:
    /**
     * Binds and listens (on the first of `contexts`); throws boost::system::system_error when the
     * address is unusable. With `tls` (which must outlive the listener), every connection is served
     * over TLS.
     */
    listener(std::vector<net::io_context*> contexts, tcp::endpoint endpoint, shared_state& state, net::ssl::context* tls);
    /**
     * Listens on `where`: a unix socket made at its path (removed again with the listener), or a
     * listening socket inherited at start. Throws std::runtime_error when it is unusable.
     */
    listener(std::vector<net::io_context*> contexts, const listen_address& where, shared_state& state,
             net::ssl::context* tls);
    void start();
    void stop();
    ~listener();
    /** The address bound, with the real port where 0 was asked for. */
    listen_address bound() const { return bound_; }

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, tcp::socket socket);
    /** Out of descriptors: gives up the reserve one to take the waiting connection and answer 503. */
    void refuse_for_descriptors();
    void refuse(tcp::socket& socket, const std::string& why);

    std::vector<net::io_context*> contexts_;
    std::size_t next_context_ = 0;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    std::chrono::steady_clock::time_point last_refusal_log_{};
    unsigned refusals_unlogged_ = 0;
    /** Kept open so that a connection can still be taken, and told 503, when no descriptor is left. */
    int reserve_fd_ = -1;
    shared_state& state_;
    net::ssl::context* tls_;
    listen_address bound_;
    std::unique_ptr<unix_socket_file> socket_file_; ///< the unix socket file this listener made, if any
};

} // namespace keepdav::server
