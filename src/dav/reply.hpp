#pragma once
// What a handler answers: a status, header fields and a body, in a form tests can inspect without a
// socket. The server turns it into an HTTP message.
#include "fs/unique_fd.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>

#include <cstdint>
#include <memory>
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

struct reply {
    http::status status = http::status::ok;
    http::fields fields;
    std::variant<std::monostate, std::string, file_range> body;
    /** Stream the body with chunked transfer coding (HTTP/1.1 only) instead of Content-Length. */
    bool chunked = false;
    /** Close the connection after this reply (for example when a request body was left unread). */
    bool close_connection = false;

    std::uint64_t body_size() const;
};

/** A short, readable plain-text error (the reason phrase, then `detail`); a 503 says Retry-After: 1. */
reply error_reply(http::status status, std::string_view detail = {});
/** A status with no body (201, 204, ...). */
reply empty_reply(http::status status);

} // namespace keepdav::dav
