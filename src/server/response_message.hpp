#pragma once
// The final response as it goes on the wire, from a dav::reply: Beast messages for every body kind,
// and the one header the session writes by hand (a small file's, sent with its bytes in one write).
#include "dav/reply.hpp"
#include "server/fd_body.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message_generator.hpp>

#include <string>
#include <string_view>

namespace keepdav::server {

/** What framing a response gets beyond what the reply says. */
struct response_framing {
    unsigned version = 11;  ///< the request's: 11 or 10
    bool keep_alive = true; ///< the connection stays open after this response
    bool head = false;      ///< HEAD: the headers GET would send, without the body (RFC 9110 §9.3.2)
    std::string_view date;  ///< the Date header's value
};

/** Any reply as a Beast message (chunked when the reply asks and HTTP/1.1 allows). */
http::message_generator make_response(dav::reply&& r, const response_framing& f);

/**
 * The header of a reply with a streamed body: chunked for HTTP/1.1; for HTTP/1.0 neither chunked nor a
 * length, so the body ends when the connection closes (RFC 9112 §6.3).
 */
http::response<http::empty_body> streamed_head(dav::reply&& r, const response_framing& f);

/**
 * Whether the connection must close after this reply: the reply asks, or its body is streamed to an
 * HTTP/1.0 client, where only the close can mark the body's end.
 */
bool ends_connection(const dav::reply& r, unsigned version);

/** A file reply's message with Content-Length, for a serializer that writes only its header. */
http::response<fd_range_body> file_response(dav::reply&& r, const response_framing& f);

/**
 * The header of a file reply of `length` bytes, as Beast would serialize `file_response` (same
 * fields, same order): for the small bodies that go out with their header in one write, where
 * Beast's generic serializer cost more than the send itself.
 */
std::string small_file_head(const dav::reply& r, const response_framing& f, std::uint64_t length);

} // namespace keepdav::server
