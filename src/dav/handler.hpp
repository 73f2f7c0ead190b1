#pragma once
// The WebDAV protocol, without a socket: a request in; a reply, a long operation that will produce
// one, or a PUT's upload out. Unit tests call these directly on a temporary tree.
#include "dav/progress.hpp"
#include "dav/reply.hpp"
#include "fs/atomic_write.hpp"
#include "http/update_range.hpp"

#include <keepdav/config.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>

namespace keepdav::locks {
class lock_store;
}
namespace keepdav::fs {
class open_file_cache;
class property_cache;
}

namespace keepdav::dav {

class litter_memory;
class access_rules;

using request = http::request<http::string_body>;
using request_header = http::request_header<>;

/** What a handler may use beyond the request itself. */
struct context {
    const fs::tree& tree;
    const server_config& config;
    /** The scheme the client used: https behind a TLS-terminating proxy too (server/request_origin). */
    bool tls = false;
    /** The lock table; without one the server is class 1 only (LOCK and UNLOCK answer 405). */
    locks::lock_store* locks = nullptr;
    /**
     * Runs a job on another thread of the server's file system pool; dav starts no threads of its own.
     * PROPFIND lends a large collection's formatting to helpers from here. The job may start late, even
     * after the one who posted it has moved on (it then finds nothing left to do and returns), or never
     * (it is then destroyed unrun). Empty: all work stays on the calling thread.
     */
    std::function<void(std::function<void()>)> run_on_spare_worker = {};
    /**
     * The calling I/O thread's open-file cache, for GET and HEAD answered inline; null: none. Never
     * used by an operation, which runs on another thread.
     */
    fs::open_file_cache* open_files = nullptr;
    /** Dead properties as last read, trusted while a file's change time stays (fs/property_cache.hpp); null: none. */
    fs::property_cache* properties = nullptr;
    /** Desktop litter written lately (--hide-os-litter), so a client reading it back finds it; null: none. */
    litter_memory* litter = nullptr;
    /** The authority the client used, where it differs from Host (a trusted proxy's, --public-url). */
    std::optional<std::string> host = std::nullopt;
    /** What the request's user may do where (dav/access_rules.hpp); null: everything. */
    const access_rules* access = nullptr;
    /** Keeps what `tree`, `locks` and `access` point into alive as long as the request or its operation. */
    std::shared_ptr<const void> owner = nullptr;
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
    /**
     * Runs on to its end when its client leaves, instead of stopping at the next clean point: a MOVE
     * must not be left split between source and destination, and a DELETE half done is worse than
     * done. Only a server shutdown past its grace stops it. (A COPY or PROPFIND stops: the source
     * is untouched either way.)
     */
    bool finishes_without_client = false;
    /**
     * Its monitor may stop it on request (DELETE of an asynchronous operation's monitor). A MOVE may
     * not: stopped half way, it would be split between source and destination.
     */
    bool cancellable = true;
};

/**
 * Where a partial update (PUT with Content-Range, PATCH with X-Update-Range) writes its body: the body
 * goes into the upload's pending file as for any PUT, then over a copy of the target where its range falls.
 */
struct partial_write {
    /** Resolved against the file's size when the request starts and again when it commits. */
    http_util::update_range range;
    std::uint64_t length = 0; ///< the body's, which the range must take exactly
    /** PATCH (RFC 5789 §2: its ETag names the patched resource), not a PUT (RFC 9110 §9.3.4: no validator). */
    bool patch = false;
};

/**
 * A PUT (or PATCH) whose checks passed, waiting for its body: the pending file beside the target that the server
 * streams the body into. Nothing is visible under the target's name until finish_put commits it;
 * destroying an upload discards the file.
 */
struct upload {
    fs::unique_fd dir;                    ///< the target's parent directory
    std::optional<fs::pending_file> file; ///< written by the server, committed by finish_put
    std::string rel;
    /** X-Expected-Entity-Length, which macOS Finder sends with a chunked body: the size it must have. */
    std::optional<std::uint64_t> expected_length;
    /** X-OC-Mtime: the modification time the client wants the file to keep (dav/client_times.hpp). */
    std::optional<std::time_t> client_mtime;
    /** Desktop litter under --hide-os-litter (dav/litter.cpp): the body is read, then dropped. */
    bool discard = false;
    /** A partial update: the body is a piece of the target, not all of it. */
    std::optional<partial_write> partial;
};

/**
 * What a request comes to: a reply to send now, an operation to run on the file system pool, or
 * (PUT and PATCH only) an upload to read the body into.
 */
using outcome = std::variant<reply, operation, upload>;

/**
 * Handles a request. Every method but PUT and PATCH comes with its body (if any) read into memory. A
 * PUT or PATCH comes with its header alone, before its body is read, and answers a refusal (sent
 * without reading the body) or an upload; the same rules (targets, reserved names, read-only, locks) apply to it as to
 * every other method.
 */
outcome handle(const request& req, const context& ctx);

/** The authority the client named: the context's where it knows better than Host. */
inline std::string_view host_of(const request_header& req, const context& ctx) {
    if (ctx.host) return *ctx.host;
    return req[http::field::host];
}


/**
 * Makes a complete upload visible under its name: 201 or 204; for a partial update whose copy of the
 * target may take long (no shared extents), an operation that copies, patches and commits. The body may have taken long, so it
 * checks again, against the tree and the locks as they are now: the file goes where the URL names
 * (even if the parent collection moved meanwhile), and the request's preconditions (`head`: If,
 * If-Match, lock tokens) must still hold. Any refusal leaves nothing behind and the old file as it was.
 */
outcome finish_put(upload& up, const request_header& head, const context& ctx);

/**
 * The reply when writing an upload's body to its file failed with `ec` (disk full: 507; see
 * status_for), logged with `what` ("peer: PUT /a"). The rest of the body is unread, so the reply
 * closes the connection. Only for errors of the file: a socket error means the client went away.
 */
reply upload_failure_reply(const boost::system::error_code& ec, std::string_view what);

} // namespace keepdav::dav
