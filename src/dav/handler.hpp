#pragma once
// The WebDAV protocol, without a socket: a request in, a reply (or a long operation that will produce
// one) out. Unit tests call these directly on a temporary tree.
#include "dav/progress.hpp"
#include "dav/reply.hpp"
#include "fs/atomic_write.hpp"

#include <keepdav/config.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <variant>

namespace keepdav::locks {
class lock_store;
}

namespace keepdav::dav {

using request = http::request<http::string_body>;
using request_header = http::request_header<>;

/** What a handler may use beyond the request itself. */
struct context {
    const fs::tree& tree;
    const server_config& config;
    bool tls = false;
    /** The lock table; without one the server is class 1 only (LOCK and UNLOCK answer 405). */
    locks::lock_store* locks = nullptr;
};

/** What a running operation is given by the one who runs it. */
struct operation_context {
    std::stop_token stop;
    operation_progress& progress;
};

/** A job whose cost grows with the tree: it runs on the file system pool, never an I/O thread. */
struct operation {
    std::string description; ///< for logs: "COPY /a/ -> /b/"
    std::shared_ptr<operation_progress> progress = std::make_shared<operation_progress>();
    std::function<reply(operation_context&)> run;
};

using outcome = std::variant<reply, operation>;

/** Handles any request whose body (if any) has been read into memory. */
outcome handle(const request& req, const context& ctx);

/** A PUT body on its way to disk: a pending file beside the target. */
struct upload {
    fs::unique_fd dir;                    ///< the target's parent directory
    std::optional<fs::pending_file> file; ///< written by the server, committed by finish_put
    std::string rel;
    /** X-Expected-Entity-Length, which macOS Finder sends with a chunked body: the size it must have. */
    std::optional<std::uint64_t> expected_length;
};

/**
 * Checks a PUT before its body is read: the answer is either an error reply (sent without reading the
 * body) or an upload to read the body into.
 */
std::variant<reply, upload> begin_put(const request_header& head, const context& ctx);
/**
 * Makes a complete upload visible under its name: 201 or 204. The body may have taken long, so it
 * checks again, against the tree and the locks as they are now: the file goes where the URL names
 * (even if the parent collection moved meanwhile), and the request's preconditions (`head`: If,
 * If-Match, lock tokens) must still hold. Any refusal leaves nothing behind and the old file as it was.
 */
reply finish_put(upload& up, const request_header& head, const context& ctx);

} // namespace keepdav::dav
