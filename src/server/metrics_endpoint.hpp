#pragma once
// --metrics-listen: a separate address that serves GET /metrics (Prometheus text format) and 404 for
// anything else, kept apart from the WebDAV listeners so it can stay off the public network.
#include "net.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <string>

namespace keepdav::server {

/** The answer to one request: 200 with `page()` for GET or HEAD /metrics, 404 otherwise (pure). */
http::response<http::string_body> metrics_response(const http::request<http::string_body>& req,
                                                   const std::function<std::string()>& page);

class metrics_endpoint : public std::enable_shared_from_this<metrics_endpoint> {
public:
    /** Binds and listens; throws boost::system::system_error when the address is unusable. */
    metrics_endpoint(net::io_context& ioc, tcp::endpoint endpoint, std::function<std::string()> page);
    void start();
    void stop();
    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, tcp::socket socket);

    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    std::function<std::string()> page_;
};

} // namespace keepdav::server
