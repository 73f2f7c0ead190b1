#pragma once
// The request being read, one at a time: its header through a header-only parser, then its body into
// memory (an XML body, bounded by --max-xml-body) or into a file (a PUT's, dav::upload), and
// async_read_body, the composed operation that reads that body — after `100 Continue` when the
// client waits for it (RFC 9110 §10.1.1). The parsers live on the heap while a request is read, so an
// idle keep-alive connection carries none of them.
#include "dav/handler.hpp"
#include "server/fd_body.hpp"
#include "server/request_reader.hpp"
#include "server/upload_reader.hpp"

#include <keepdav/config.hpp>

#include <boost/asio/compose.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <memory>
#include <optional>

namespace keepdav::server {

class incoming_request {
public:
    using header_parser = http::request_parser<http::empty_body>;
    using body_parser = http::request_parser<http::string_body>;
    using upload_parser = http::request_parser<fd_sink_body>;

    /** A fresh header parser for the next request. */
    header_parser& start(std::size_t max_header_bytes) {
        header_ = std::make_unique<header_parser>();
        header_->header_limit(max_header_bytes);
        // Beast checks Content-Length against the body limit as soon as the header is parsed; the
        // limit that applies is set once the method is known.
        header_->body_limit(boost::none);
        return *header_;
    }

    header_parser& header() { return *header_; }

    /**
     * The body goes into memory, up to `limit` bytes. When the declared length is already more,
     * it is returned and nothing changes (the body stays unread).
     */
    std::optional<std::uint64_t> into_memory(std::uint64_t limit) {
        // Beast weighs Content-Length against the limit only while parsing the header: done here.
        if (auto declared = header_->content_length(); declared && *declared > limit) return *declared;
        body_ = std::make_unique<body_parser>(std::move(*header_));
        header_.reset();
        body_->body_limit(limit);
        return std::nullopt;
    }

    /** The body goes into `u`'s pending file, up to `limit` bytes (0: no limit). */
    void into_file(dav::upload u, std::uint64_t limit) {
        upload = std::make_unique<dav::upload>(std::move(u));
        into_fd(upload->file->fd(), limit ? std::optional(limit) : std::nullopt);
    }

    /** The body goes into the file open as `fd` (a resumable upload's), up to `limit` bytes. */
    void into_fd(int fd, std::optional<std::uint64_t> limit) {
        upload_ = std::make_unique<upload_parser>(std::move(*header_));
        header_.reset();
        upload_->body_limit(limit ? boost::optional<std::uint64_t>(*limit) : boost::none);
        upload_->get().body().fd = fd;
    }

    bool body_done() const { return body_ ? body_->is_done() : upload_ ? upload_->is_done() : header_->is_done(); }
    bool is_upload() const { return upload_ != nullptr; }

    /** The whole request, its body in memory (read into_memory to its end); the parser goes. */
    const dav::request& whole() {
        if (body_) {
            request_ = body_->release();
            body_.reset();
        }
        return request_;
    }

    /** The header of the request being served, wherever its body went. */
    const dav::request_header& head() const {
        if (header_) return header_->get().base();
        if (upload_) return upload_->get().base();
        if (body_) return body_->get().base();
        return request_.base();
    }

    /** The request is over: nothing of it is kept (a pending upload file is discarded). */
    void clear() {
        header_.reset();
        body_.reset();
        upload_.reset();
        upload.reset();
        continue_from_interims = false;
        request_ = {};
    }

    /** A PUT's target and pending file, while its body is read; on the heap, as an idle connection has none. */
    std::unique_ptr<dav::upload> upload;
    /** The 100 goes out first among the request_runner's 1xx (a resumable upload's), not from async_read_body. */
    bool continue_from_interims = false;

private:
    template <class Stream>
    friend struct read_body_op;

    std::unique_ptr<header_parser> header_;
    std::unique_ptr<body_parser> body_;
    std::unique_ptr<upload_parser> upload_;
    dav::request request_; ///< kept while the request is served: request_runner asks for its header
};

template <class Stream>
struct read_body_op {
    Stream& stream;
    beast::flat_buffer& buffer;
    incoming_request& in;
    const server_config& config;
    std::shared_ptr<http::response<http::empty_body>> continue_; ///< the 100, while it is written
    bool reading = false;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0) {
        if (reading) return self.complete(ec);
        if (continue_) {
            continue_.reset();
            beast::get_lowest_layer(stream).expires_never();
            if (ec) return self.complete(http::error::partial_message); // the client is gone
        } else if (!in.continue_from_interims && in.head().version() >= 11 &&
                   beast::iequals(in.head()[http::field::expect], "100-continue")) {
            continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
            beast::get_lowest_layer(stream).expires_after(config.write_timeout);
            return http::async_write(stream, *continue_, std::move(self));
        }
        reading = true;
        if (in.body_) return async_read_request_part(stream, buffer, *in.body_, false, read_limits::of(config), std::move(self));
        auto& parser = *in.upload_;
        if (parser.chunked() || !parser.content_length()) // chunked: Beast decodes
            return async_read_request_part(stream, buffer, parser, false, read_limits::of(config), std::move(self));
        async_read_upload(stream, buffer, parser.get().body().fd, *parser.content_length(),
                          upload_limits{config.body_timeout, config.min_body_rate}, std::move(self));
    }
};

/** Reads the body `in` was set up for (into_memory or into_file), after a 100 if the client waits for one. */
template <class Stream, class Handler>
auto async_read_body(Stream& stream, beast::flat_buffer& buffer, incoming_request& in, const server_config& config,
                     Handler&& handler) {
    return net::async_compose<Handler, void(boost::system::error_code)>(
        read_body_op<Stream>{stream, buffer, in, config, nullptr}, handler, stream);
}

} // namespace keepdav::server
