#pragma once
#include "net.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace keepdav::server {

struct shared_state;

/** Accepts connections on one address, each onto its own strand. */
class listener : public std::enable_shared_from_this<listener> {
public:
    /** Binds and listens; throws boost::system::system_error when the address is unusable. */
    /** With `tls` (which must outlive the listener), every connection is served over TLS. */
    listener(net::io_context& ioc, tcp::endpoint endpoint, shared_state& state, net::ssl::context* tls);
    void start();
    void stop();
    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, tcp::socket socket);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    std::chrono::steady_clock::time_point last_refusal_log_{};
    shared_state& state_;
    net::ssl::context* tls_;
};

} // namespace keepdav::server
