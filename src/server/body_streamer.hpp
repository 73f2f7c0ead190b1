#pragma once
// A streamed body (dav::streamed_body) on the wire, as a composed operation: the header at once, the
// producer started on the file system pool, then each batch the producer puts into its pipe written as
// it comes — a chunk of chunked coding for HTTP/1.1 (RFC 9112 §7.1), the bare bytes for HTTP/1.0,
// whose body then ends with the connection (RFC 9112 §6.3, close-delimited). One write in flight, each
// under the write timeout; while the pipe is empty nothing is pending but the wait for the producer.
#include "dav/reply.hpp"
#include "net.hpp"
#include "server/response_message.hpp"

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

namespace keepdav::server {

/** Where a streamed body's producer runs, and what stops it (the connection closing). */
struct body_production {
    net::thread_pool& pool;
    std::stop_token stop;
};

/**
 * What a streamed body that the producer could not complete ends with: the connection closes without
 * the last chunk, so the client sees an incomplete body (the server's failure, not the client's).
 */
inline boost::system::error_code body_incomplete() { return http::error::partial_message; }

namespace detail {

/**
 * Runs a streamed body's producer on `pool` with `stop`. The body ends whatever becomes of the job: if
 * it throws, or is destroyed unrun (a pool shut down), the pipe fails, so the sender never waits forever.
 */
void start_producer(net::thread_pool& pool, dav::streamed_body body, std::stop_token stop);

/** What the operation keeps in one place: it moves, this does not (the serializer and the stop callback). */
struct streamed_state {
    struct cancel_pipe {
        std::shared_ptr<dav::body_pipe> pipe;
        void operator()() const { pipe->cancel(); }
    };

    streamed_state(http::response<http::empty_body>&& h, std::shared_ptr<dav::body_pipe> p, std::stop_token stop)
        : head(std::move(h)), pipe(std::move(p)), on_stop(std::move(stop), cancel_pipe{pipe}) {}
    /** An operation dropped unfinished (its io_context destroyed) stops the producer too. */
    ~streamed_state() { pipe->cancel(); }

    http::response<http::empty_body> head;
    http::response_serializer<http::empty_body> serializer{head};
    std::shared_ptr<dav::body_pipe> pipe;
    std::stop_callback<cancel_pipe> on_stop; ///< the connection closed: the sender wakes, the producer stops
    std::optional<dav::body_pipe::batch> taken; ///< taken from the pipe, not yet written
    std::vector<std::string> in_flight;          ///< the chunks being written
    std::vector<net::const_buffer> buffers;
    std::uint64_t body_bytes = 0;
};

template <class Stream>
class write_streamed_op {
public:
    write_streamed_op(Stream& stream, std::shared_ptr<streamed_state> state, bool chunked,
                      std::chrono::steady_clock::duration timeout)
        : stream_(stream), state_(std::move(state)), chunked_(chunked), timeout_(timeout) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0) {
        if (ec) return self.complete(ec, state_->body_bytes);
        switch (step_) {
        case step::header:
            step_ = step::body;
            beast::get_lowest_layer(stream_).expires_after(timeout_);
            return http::async_write_header(stream_, state_->serializer, std::move(self));
        case step::body:
            if (!state_->taken) return take(self);
            return write_taken(self);
        case step::last_chunk:
            step_ = step::done;
            beast::get_lowest_layer(stream_).expires_after(timeout_);
            return net::async_write(stream_, http::make_chunk_last(), std::move(self));
        case step::done:
            return self.complete({}, state_->body_bytes);
        }
    }

private:
    enum class step { header, body, last_chunk, done };

    /** Takes what the producer has put into the pipe, or waits (parked) until it puts something. */
    template <class Self>
    void take(Self& self) {
        auto state = state_;
        auto executor = stream_.get_executor();
        auto parked = std::make_shared<Self>(std::move(self));
        auto batch = state->pipe->take_or_wake([parked, executor] {
            net::post(executor, [parked]() mutable { (*parked)(); });
        });
        if (!batch) return;
        state->taken = std::move(*batch);
        (*parked)();
    }

    template <class Self>
    void write_taken(Self& self) {
        auto batch = std::move(*state_->taken);
        state_->taken.reset();
        if (batch.end == dav::body_pipe::state::failed) return self.complete(body_incomplete(), state_->body_bytes);
        if (batch.end == dav::body_pipe::state::cancelled)
            return self.complete(net::error::operation_aborted, state_->body_bytes);
        if (batch.end == dav::body_pipe::state::finished) step_ = chunked_ ? step::last_chunk : step::done;
        // The strings stay in the state until their write is done.
        state_->in_flight = std::move(batch.chunks);
        auto& buffers = state_->buffers;
        buffers.clear();
        for (const auto& chunk : state_->in_flight) {
            buffers.push_back(net::buffer(chunk));
            state_->body_bytes += chunk.size();
        }
        if (buffers.empty()) return (*this)(self); // the body ended with nothing more to write
        beast::get_lowest_layer(stream_).expires_after(timeout_);
        if (chunked_) return net::async_write(stream_, http::make_chunk(buffers), std::move(self));
        net::async_write(stream_, buffers, std::move(self));
    }

    Stream& stream_;
    std::shared_ptr<streamed_state> state_;
    bool chunked_;
    std::chrono::steady_clock::duration timeout_;
    step step_ = step::header;
};

} // namespace detail

/**
 * Sends a reply whose body is streamed: completes with the error_code and the body bytes written. A
 * stop requested on `production.stop` (the connection closing) ends it with operation_aborted and
 * stops the producer; a producer that fails ends it with body_incomplete(). HTTP/1.0: the caller must
 * close the connection after it (response_message's ends_connection says so).
 */
template <class Stream, class Handler>
auto async_write_streamed(Stream& stream, dav::reply&& reply, const response_framing& framing,
                          std::chrono::steady_clock::duration send_timeout, body_production production,
                          Handler&& handler) {
    auto body = std::get<dav::streamed_body>(std::move(reply.body));
    bool chunked = framing.version >= 11;
    auto state = std::make_shared<detail::streamed_state>(streamed_head(std::move(reply), framing), body.pipe, production.stop);
    detail::start_producer(production.pool, std::move(body), production.stop);
    return net::async_compose<Handler, void(boost::system::error_code, std::uint64_t)>(
        detail::write_streamed_op<Stream>(stream, std::move(state), chunked, send_timeout), handler, stream);
}

} // namespace keepdav::server
