#pragma once
// Writes a final response the cheapest way its body allows: a small file with its header in one
// write (Beast's generic serializer cost more per 4 KiB GET than the send itself); a large file on
// plain TCP with sendfile(2) behind a header Beast writes, over TLS in batches of records
// (server/tls_file_sender); a streamed body as its producer makes it
// (server/body_streamer); everything else through Beast's serializer. The handler gets the error_code
// of the write and the body bytes sent.
#include "server/body_streamer.hpp"
#include "server/file_sender.hpp"
#include "server/response_message.hpp"
#include "server/tls_file_sender.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>

#include <memory>

namespace keepdav::server {

/** File bodies from this size on go out with sendfile(2) on plain TCP; smaller ones in one write with their header. */
constexpr std::uint64_t sendfile_threshold = 64 * 1024;

namespace detail {

/** The serializer holds a reference to the message: they live and move together, never apart. */
struct file_header_job {
    explicit file_header_job(http::response<fd_range_body>&& r) : res(std::move(r)) {}
    http::response<fd_range_body> res;
    http::response_serializer<fd_range_body> serializer{res};
};

} // namespace detail

/**
 * Writes `reply`, then calls `handler(error_code, body_bytes)`. `production` runs a streamed body's
 * producer and stops it when the connection goes; other bodies ignore it. `reading`: a read is in
 * flight on `stream` (the session watching for a client that leaves). Over TLS such a read may have
 * to write (the answer to a client's KeyUpdate, an alert), and Asio orders those writes only with the
 * stream's own: a file body then goes through the stream, not in batches beside it.
 */
template <class Stream, class Handler>
void async_write_reply(Stream& stream, dav::reply&& reply, const response_framing& framing,
                       std::chrono::steady_clock::duration send_timeout, body_production production, bool reading,
                       Handler handler) {
    using error_code = boost::system::error_code;
    constexpr bool plain_tcp = std::is_same_v<Stream, beast::tcp_stream>;
    if (std::holds_alternative<dav::streamed_body>(reply.body))
        return async_write_streamed(stream, std::move(reply), framing, send_timeout, production, std::move(handler));
    auto body_bytes = reply.body_size();
    auto done = [body_bytes, handler = std::move(handler)](error_code ec, std::size_t = 0) mutable { handler(ec, body_bytes); };
    auto* range = std::get_if<dav::file_range>(&reply.body);
    if (!range || framing.head || reply.chunked || (!plain_tcp && reading && range->length >= sendfile_threshold))
        return beast::async_write(stream, make_response(std::move(reply), framing), std::move(done));
    if (range->length < sendfile_threshold) {
        auto out = std::make_shared<std::string>(small_file_head(reply, framing, range->length));
        auto header_size = out->size();
        out->resize(header_size + range->length);
        // The file shrank or failed under us: the promised length cannot be kept.
        if (auto ec = fs::pread_exact(range->file->get(), out->data() + header_size, range->length, range->offset))
            return done(ec);
        return net::async_write(stream, net::buffer(*out),
                                [out, done = std::move(done)](error_code ec, std::size_t) mutable { done(ec); });
    }
    // The header through the stream (Beast), then the body: sendfile(2) on plain TCP, batches of
    // records over TLS (tls_file_sender).
    auto job = std::make_shared<detail::file_header_job>(file_response(std::move(reply), framing));
    if constexpr (plain_tcp) cork(stream.socket(), true); // the header goes out with the body's first bytes
    http::async_write_header(stream, job->serializer, [&stream, job, send_timeout, done = std::move(done)](error_code ec, std::size_t) mutable {
        const auto& body = job->res.body();
        if constexpr (plain_tcp) {
            if (ec) {
                cork(stream.socket(), false);
                return done(ec);
            }
            async_send_file(stream.socket(), body.file->get(), body.offset, body.length, send_timeout, true,
                            [&stream, job, done = std::move(done)](error_code ec) mutable {
                                if (ec) cork(stream.socket(), false); // it may have failed before its first piece
                                done(ec);
                            });
        } else {
            if (ec) return done(ec);
            async_send_file_tls(stream, body.file->get(), body.offset, body.length, send_timeout,
                                [job, done = std::move(done)](error_code ec) mutable { done(ec); });
        }
    });
}

} // namespace keepdav::server
