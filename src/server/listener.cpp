#include "server/listener.hpp"

#include "log.hpp"
#include "server/session.hpp"
#include "server/shared_state.hpp"
#include "server/unix_socket.hpp"

#include <boost/beast/core/bind_handler.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace keepdav::server {

listener::listener(std::vector<net::io_context*> contexts, tcp::endpoint endpoint, shared_state& state,
                   net::ssl::context* tls)
    : contexts_(std::move(contexts)), acceptor_(*contexts_.front()), backoff_(acceptor_.get_executor()), state_(state),
      tls_(tls) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    auto local = acceptor_.local_endpoint();
    bound_.host = local.address().to_string();
    bound_.port = local.port();
}

listener::listener(std::vector<net::io_context*> contexts, const listen_address& where, shared_state& state,
                   net::ssl::context* tls)
    : contexts_(std::move(contexts)), acceptor_(*contexts_.front()), backoff_(acceptor_.get_executor()), state_(state),
      tls_(tls) {
    int fd = where.inherited_fd;
    if (fd >= 0) {
        bound_ = describe_inherited(fd);
    } else {
        socket_file_ = std::make_unique<unix_socket_file>(where.unix_path, where.unix_mode);
        fd = socket_file_->release_fd();
        bound_ = where;
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    bool v6 = bound_.unix_path.empty() && bound_.host.find(':') != std::string::npos;
    boost::system::error_code ec;
    acceptor_.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
        ::close(fd);
        throw std::runtime_error("cannot accept on descriptor " + std::to_string(fd) + ": " + ec.message());
    }
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void listener::start() { do_accept(); }

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
        self->backoff_.cancel();
    });
}

void listener::do_accept() {
    auto& context = *contexts_[next_context_];
    next_context_ = (next_context_ + 1) % contexts_.size();
    acceptor_.async_accept(context, beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == net::error::no_descriptors || ec.value() == ENFILE) {
        refuse_for_descriptors();
        return do_accept();
    }
    if (ec) {
        // Out of memory or buffers: wait a little rather than spin on the same error.
        log::warning("accept failed: " + ec.message());
        backoff_.expires_after(std::chrono::milliseconds(100));
        backoff_.async_wait([self = shared_from_this()](boost::system::error_code e) {
            if (!e) self->do_accept();
        });
        return;
    }
    if (state_.session_count() >= state_.config.max_connections) {
        refuse(socket, "connection limit (" + std::to_string(state_.config.max_connections) + ") reached");
        return do_accept();
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    start_session(std::move(socket), state_, tls_);
    do_accept();
}

void listener::refuse_for_descriptors() {
    if (reserve_fd_ >= 0) {
        ::close(reserve_fd_);
        reserve_fd_ = -1;
        boost::system::error_code ec;
        tcp::socket socket(acceptor_.get_executor());
        acceptor_.non_blocking(true, ec);
        acceptor_.accept(socket, ec);
        if (!ec) refuse(socket, "out of file descriptors");
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (!ec) return;
    }
    // Not even the reserve: the connection waits in the backlog until descriptors are freed.
    backoff_.expires_after(std::chrono::milliseconds(100));
    backoff_.async_wait([self = shared_from_this()](boost::system::error_code e) {
        if (!e) self->do_accept();
    });
}

/** Refused politely and at once, without a session: the socket buffer takes these bytes. */
void listener::refuse(tcp::socket& socket, const std::string& why) {
    static constexpr std::string_view busy = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                                             "Content-Length: 0\r\nConnection: close\r\n\r\n";
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(busy.data(), busy.size()), ignored);
    socket.close(ignored);
    // One line a second at most, however fast clients come.
    ++refusals_unlogged_;
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ > std::chrono::seconds(1)) {
        last_refusal_log_ = now;
        log::warning(why + ": refused " + std::to_string(refusals_unlogged_) + " connection(s) with 503");
        refusals_unlogged_ = 0;
    }
}

listener::~listener() {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

} // namespace keepdav::server
