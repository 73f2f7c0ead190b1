#pragma once
// A file range sent over TLS in batches, as a composed operation: OpenSSL encrypts up to 256 KiB at a
// time (sixteen 16 KiB records) into a memory BIO that stands in for the connection's write BIO while
// it does, and the batch goes to the socket in one write. Through Asio's ssl::stream every record is a
// socket write and a completion of its own (a reactor pass each: 32,771 sendmsg and 32,808 epoll_wait
// calls for 512 MiB), because its engine moves records through a 17 KiB BIO pair.
//
// The deadline is per batch, as sendfile's is per wait on plain TCP: a client that keeps reading is
// never cut off however large the file, one that stops reading is after `timeout`.
#include "fs/io.hpp"
#include "net.hpp"

#include <boost/asio/compose.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include <memory>
#include <string>

#include <openssl/ossl_typ.h>

namespace keepdav::server {

/**
 * TLS records made for one write: a BIO of keepdav's own that appends what OpenSSL writes to it to a
 * buffer kept between batches (a memory BIO would clear its whole buffer with memset on each reset).
 */
class record_batch {
public:
    record_batch();
    ~record_batch();
    record_batch(const record_batch&) = delete;
    record_batch& operator=(const record_batch&) = delete;

    /**
     * Encrypts `size` bytes of application data on the connection `ssl` into this batch (after what
     * it holds), leaving the connection's own write BIO as it was. `ssl` must have no write of its
     * own half done (Asio's stream completes a write only once all of it reached the socket).
     */
    boost::system::error_code encrypt(SSL* ssl, const char* data, std::size_t size);
    /** The records encrypted since the last clear(). */
    net::const_buffer records() const;
    void clear();

private:
    std::string records_;
    BIO* bio_;
};

namespace detail {

template <class SslStream>
class tls_send_file_op {
public:
    static constexpr std::size_t piece = 256 * 1024;

    tls_send_file_op(SslStream& stream, int file, std::uint64_t offset, std::uint64_t length,
                     std::chrono::steady_clock::duration timeout)
        : stream_(stream), file_(file), offset_(offset), remaining_(length), timeout_(timeout),
          state_(std::make_unique<state>(static_cast<std::size_t>(std::min<std::uint64_t>(length, piece)))) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0) {
        if (ec) return self.complete(ec);
        state_->batch.clear();
        if (remaining_ == 0) return self.complete({});
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, state_->size));
        auto read = fs::pread_some(file_, state_->buffer.get(), want, offset_);
        if (!read) return self.complete(read.error());
        // 0: the file shrank under us; the promised Content-Length cannot be kept.
        if (*read == 0) return self.complete({EIO, boost::system::system_category()});
        if (auto failed = state_->batch.encrypt(stream_.native_handle(), state_->buffer.get(), *read))
            return self.complete(failed);
        offset_ += *read;
        remaining_ -= *read;
        auto& socket = beast::get_lowest_layer(stream_);
        socket.expires_after(timeout_);
        net::async_write(socket, state_->batch.records(), std::move(self));
    }

private:
    /** On the heap: the operation moves with each step, the buffer Asio writes from must not. */
    struct state {
        explicit state(std::size_t n) : size(n), buffer(new char[n]) {}
        std::size_t size;
        std::unique_ptr<char[]> buffer;
        record_batch batch;
    };

    SslStream& stream_;
    int file_;
    std::uint64_t offset_;
    std::uint64_t remaining_;
    std::chrono::steady_clock::duration timeout_;
    std::unique_ptr<state> state_;
};

} // namespace detail

/**
 * Sends `length` bytes of `file` from `offset` as TLS application data on `stream` (a
 * beast::ssl_stream over a beast::tcp_stream); completes with an error_code.
 */
template <class SslStream, class Handler>
auto async_send_file_tls(SslStream& stream, int file, std::uint64_t offset, std::uint64_t length,
                         std::chrono::steady_clock::duration timeout, Handler&& handler) {
    return net::async_compose<Handler, void(boost::system::error_code)>(
        detail::tls_send_file_op<SslStream>(stream, file, offset, length, timeout), handler, stream);
}

} // namespace keepdav::server
