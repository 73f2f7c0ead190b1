#pragma once
// A request body of declared length, from the socket straight into a file, as a composed operation:
// large reads past Beast's parser (a quarter of the system calls, none of its per-piece
// bookkeeping), each read bounded by the body timeout, the whole by the minimum body rate. It never
// reads past the body, so a pipelined request stays on the socket.
#include "server/body_rate.hpp"
#include "server/fd_body.hpp"

#include <boost/asio/compose.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>

#include <memory>

namespace keepdav::server {

struct upload_limits {
    std::chrono::steady_clock::duration read_timeout; ///< the longest stall in the body
    std::uint64_t min_rate;                          ///< bytes per second over any 10 s
};

namespace detail {

template <class Stream>
struct read_upload_op {
    /** How much of the body one read takes. */
    static constexpr std::size_t read_size = 1024 * 1024;

    Stream& stream;
    beast::flat_buffer& buffer;
    int file;
    std::uint64_t remaining;
    upload_limits limits;
    body_rate rate;
    std::unique_ptr<char[]> chunk{};

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
        if (!chunk) {
            // Body bytes that came with the header.
            auto ahead = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining));
            if (ahead > 0) {
                if (auto failure = fs::write_all(file, buffer.data().data(), ahead)) return self.complete(failure);
                buffer.consume(ahead);
                remaining -= ahead;
            }
            rate.start(std::chrono::steady_clock::now());
            chunk = std::make_unique<char[]>(static_cast<std::size_t>(std::min<std::uint64_t>(remaining, read_size)) + 1);
        } else {
            if (ec) return self.complete(ec == beast::error::timeout ? ec : make_error_code(http::error::partial_message));
            if (auto failure = fs::write_all(file, chunk.get(), n)) return self.complete(failure);
            remaining -= n;
            if (rate.too_slow(n, std::chrono::steady_clock::now())) return self.complete(beast::error::timeout);
        }
        if (remaining == 0) return self.complete({});
        beast::get_lowest_layer(stream).expires_after(limits.read_timeout);
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, read_size));
        stream.async_read_some(net::buffer(chunk.get(), want), std::move(self));
    }
};

} // namespace detail

/**
 * Completes with: nothing (the whole body is in `file`), beast::error::timeout (stalled or too slow),
 * http::error::partial_message (the client's side ended: reset, EOF, any socket error), or a
 * system_category error from writing the file (the disk's: full, quota).
 */
template <class Stream, class Handler>
auto async_read_upload(Stream& stream, beast::flat_buffer& buffer, int file, std::uint64_t length,
                       upload_limits limits, Handler&& handler) {
    return net::async_compose<Handler, void(boost::system::error_code)>(
        detail::read_upload_op<Stream>{stream, buffer, file, length, limits, body_rate(limits.min_rate)}, handler, stream);
}

} // namespace keepdav::server
