#pragma once
// What a handler answers: a status, header fields and a body, in a form tests can inspect without a
// socket. The server turns it into an HTTP message.
#include "dav/body_pipe.hpp"
#include "fs/unique_fd.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <variant>

namespace keepdav::dav {

namespace http = boost::beast::http;

/** A byte range of an open file, served without copying it into memory. */
struct file_range {
    std::shared_ptr<fs::unique_fd> file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/**
 * A body produced while it is sent (a PROPFIND's 207, written as the walk goes): the server runs
 * `produce` once, on its file system pool, when it starts sending, and sends what it puts into `pipe`.
 * `produce` ends the body (pipe.finish() or pipe.fail()); the token stops it when the connection goes.
 * Its length is unknown: chunked for HTTP/1.1, delimited by the connection's close for HTTP/1.0.
 */
struct streamed_body {
    std::shared_ptr<body_pipe> pipe = std::make_shared<body_pipe>();
    std::function<void(body_pipe&, std::stop_token)> produce;
};

struct reply {
    http::status status = http::status::ok;
    http::fields fields;
    std::variant<std::monostate, std::string, file_range, streamed_body> body;
    /** Stream the body with chunked transfer coding (HTTP/1.1 only) instead of Content-Length. */
    bool chunked = false;
    /** Close the connection after this reply (for example when a request body was left unread). */
    bool close_connection = false;

    /** The body's length; 0 for a streamed body, whose length is known only once it is sent. */
    std::uint64_t body_size() const;
};

/** A short, readable plain-text error (the reason phrase, then `detail`); a 503 says Retry-After: 1. */
reply error_reply(http::status status, std::string_view detail = {});
/** A status with no body (201, 204, ...). */
reply empty_reply(http::status status);

} // namespace keepdav::dav
