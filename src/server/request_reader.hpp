#pragma once
// Reads one part of a request — its header, or its whole body — through a Beast parser, as a
// composed operation. Beast's own read operations would do the same, but they call the parser where
// an exception it throws (Beast's fields take no field of 64 KiB or more) escapes to the I/O thread,
// and they let the buffer grow with whatever a body's framing holds back. Here every parser call is
// contained (it completes with http::error::bad_field), and in a body the bytes the parser cannot
// consume yet (a chunk-size line with its extensions, the trailer section) are bounded
// (http::error::buffer_overflow beyond): a connection's memory stays within its limits whatever the
// framing.
#include "log.hpp"
#include "server/body_rate.hpp"

#include <keepdav/config.hpp>

#include <boost/asio/compose.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>

namespace keepdav::server {

struct read_limits {
    std::chrono::steady_clock::duration body_read_timeout; ///< each read of a body (the header's is the caller's)
    std::size_t max_framing_bytes;                        ///< what a body may hold back unparsed
    std::uint64_t min_body_rate;                          ///< bytes per second over any 10 s

    static read_limits of(const server_config& c) { return {c.body_timeout, c.max_header_bytes, c.min_body_rate}; }
};

namespace detail {

template <class Stream, class Parser>
struct read_part_op {
    /** A body is read in pieces of this size; a header into what the buffer has spare (512 at least). */
    static constexpr std::size_t body_read_size = 64 * 1024, header_read_size = 512;

    Stream& stream;
    beast::flat_buffer& buffer;
    Parser& parser;
    bool header_only;
    read_limits limits;
    body_rate rate;
    bool reading = false;

    bool enough() const { return header_only ? parser.is_header_done() : parser.is_done(); }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
        if (reading) {
            buffer.commit(n);
            if (ec == net::error::eof) {
                // RFC 9112 §9.6: a connection closed between requests is no error; within one,
                // the message is incomplete.
                if (header_only && !parser.got_some()) ec = http::error::end_of_stream;
                else parser.put_eof(ec);
                if (!ec) ec = http::error::partial_message;
            }
            if (!ec && !header_only && rate.too_slow(n, std::chrono::steady_clock::now())) ec = beast::error::timeout;
            // In a body, any socket error (reset, EPIPE) means the client's side ended; a system
            // error the caller sees is then the body writer's own (the disk's).
            if (ec && !header_only && ec != beast::error::timeout) ec = http::error::partial_message;
            if (ec) return self.complete(ec);
        } else if (!header_only) {
            parser.eager(true);
            rate.start(std::chrono::steady_clock::now());
        }
        if (auto failure = parse_buffered()) return self.complete(failure);
        if (enough()) return self.complete({});
        if (!header_only && buffer.size() >= limits.max_framing_bytes) return self.complete(http::error::buffer_overflow);
        if (!header_only) beast::get_lowest_layer(stream).expires_after(limits.body_read_timeout);
        std::size_t room = header_only ? std::max(header_read_size, buffer.capacity() - buffer.size()) : body_read_size;
        reading = true;
        stream.async_read_some(buffer.prepare(room), std::move(self));
    }

    /** Feeds what is buffered to the parser; need_more is no failure. */
    boost::system::error_code parse_buffered() {
        boost::system::error_code ec;
        for (int idle_steps = 0; buffer.size() > 0 && !enough() && idle_steps < 4;) {
            std::size_t used = 0;
            try {
                used = parser.put(buffer.data(), ec);
            } catch (const std::exception& e) {
                log::info(std::string("request framing refused: ") + e.what());
                return http::error::bad_field;
            }
            buffer.consume(used);
            if (ec == http::error::need_more) return {};
            if (ec) return ec;
            idle_steps = used == 0 ? idle_steps + 1 : 0; // a state change that consumed nothing
        }
        return {};
    }
};

} // namespace detail

/** Reads until the parser has the header (`header_only`) or the whole message. */
template <class Stream, class Parser, class Handler>
auto async_read_request_part(Stream& stream, beast::flat_buffer& buffer, Parser& parser, bool header_only,
                             read_limits limits, Handler&& handler) {
    return net::async_compose<Handler, void(boost::system::error_code)>(
        detail::read_part_op<Stream, Parser>{stream, buffer, parser, header_only, limits, body_rate(limits.min_body_rate)},
        handler, stream);
}

} // namespace keepdav::server
