#include "server/metrics_endpoint.hpp"

#include "log.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace keepdav::server {

namespace {

using boost::system::error_code;
constexpr auto scrape_timeout = std::chrono::seconds(10);

/** One scraper's connection: read a request, answer it, again while it keeps the connection. */
class scrape_connection : public std::enable_shared_from_this<scrape_connection> {
public:
    scrape_connection(tcp::socket socket, std::function<std::string()> page) : stream_(std::move(socket)), page_(std::move(page)) {}

    void do_read() {
        request_ = {};
        stream_.expires_after(scrape_timeout);
        http::async_read(stream_, buffer_, request_, beast::bind_front_handler(&scrape_connection::on_read, shared_from_this()));
    }

private:
    void on_read(error_code ec, std::size_t) {
        if (ec) return close();
        response_ = metrics_response(request_, page_);
        stream_.expires_after(scrape_timeout);
        http::async_write(stream_, response_, beast::bind_front_handler(&scrape_connection::on_write, shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        if (ec || !response_.keep_alive()) return close();
        do_read();
    }

    void close() {
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    std::function<std::string()> page_;
};

} // namespace

http::response<http::string_body> metrics_response(const http::request<http::string_body>& req,
                                                   const std::function<std::string()>& page) {
    bool found = (req.method() == http::verb::get || req.method() == http::verb::head) && req.target() == "/metrics";
    http::response<http::string_body> res{found ? http::status::ok : http::status::not_found, req.version()};
    res.keep_alive(req.keep_alive());
    if (found) {
        // The text exposition format, version 0.0.4.
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.set(http::field::cache_control, "no-store");
        res.body() = page();
    } else {
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "not found: metrics are at GET /metrics\n";
    }
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear(); // Content-Length stays the GET's
    return res;
}

metrics_endpoint::metrics_endpoint(net::io_context& ioc, tcp::endpoint endpoint, std::function<std::string()> page)
    : acceptor_(ioc), backoff_(ioc), page_(std::move(page)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
}

void metrics_endpoint::start() { do_accept(); }

void metrics_endpoint::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        error_code ignored;
        self->acceptor_.close(ignored);
        self->backoff_.cancel();
    });
}

void metrics_endpoint::do_accept() {
    acceptor_.async_accept(beast::bind_front_handler(&metrics_endpoint::on_accept, shared_from_this()));
}

void metrics_endpoint::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        // Out of descriptors, most likely: try again in a while rather than in a tight loop.
        log::warning("metrics endpoint: accept failed: " + ec.message());
        backoff_.expires_after(std::chrono::milliseconds(100));
        return backoff_.async_wait([self = shared_from_this()](error_code e) {
            if (!e) self->do_accept();
        });
    }
    std::make_shared<scrape_connection>(std::move(socket), page_)->do_read();
    do_accept();
}

} // namespace keepdav::server
