#pragma once
// One handler per method (each in its own file), and the pieces they share. Internal to dav/.
#include "dav/handler.hpp"
#include "dav/headers.hpp"
#include "dav/status.hpp"
#include "dav/target.hpp"
#include "fs/walk.hpp"

#include <optional>
#include <vector>

namespace keepdav::dav {

outcome handle_options(const request& req, const context& ctx, const resource_path& path);
outcome handle_get_head(const request& req, const context& ctx, const resource_path& path);
outcome handle_mkcol(const request& req, const context& ctx, const resource_path& path);
outcome handle_delete(const request& req, const context& ctx, const resource_path& path);
outcome handle_copy_move(const request& req, const context& ctx, const resource_path& path);
outcome handle_propfind(const request& req, const context& ctx, const resource_path& path);
outcome handle_proppatch(const request& req, const context& ctx, const resource_path& path);
outcome handle_lock(const request& req, const context& ctx, const resource_path& path);
outcome handle_unlock(const request& req, const context& ctx, const resource_path& path);

/** The methods this server implements, for Allow and 405/501 answers. */
inline constexpr std::string_view allowed_methods =
    "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK";

/** The walk controls of an operation: its stop token, progress, and the test seam. */
fs::walk_control make_walk_control(operation_context& op, const context& ctx, unsigned done_status);

/**
 * The reply of a tree operation: `success` when nothing failed, otherwise a 207 that lists each
 * failed member with its status (RFC 4918 §9.6.1, §9.8.8).
 */
reply tree_operation_reply(http::status success, const std::vector<fs::member_failure>& failures,
                           const context& ctx, std::string_view what);

/**
 * A 403 for a request that would create `rel` deeper than fs::max_tree_depth, or nothing: what lies
 * deeper could be made but neither listed nor copied. 403 rather than 409, since no request of the
 * client's can resolve it (RFC 9110 §15.5.10 keeps 409 for conflicts the client can resolve and
 * resubmit; RFC 4918 §9.3.1 answers 403 where the server refuses to create at that location).
 */
std::optional<reply> refuse_too_deep(std::string_view rel);

/** True when the request carries a body (Content-Length > 0 or chunked). */
bool has_body(const request_header& head);

} // namespace keepdav::dav
