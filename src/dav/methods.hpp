#pragma once
// One handler per method (each in its own file), and the pieces they share. Internal to dav/.
#include "dav/handler.hpp"
#include "dav/headers.hpp"
#include "dav/status.hpp"
#include "dav/target.hpp"
#include "dav/tree_operation.hpp"
#include "locks/lock_store.hpp"

#include <string_view>

namespace keepdav::dav {

outcome handle_options(const request& req, const context& ctx, const resource_path& path);
outcome handle_get_head(const request& req, const context& ctx, const resource_path& path);
/** Before the body is read (the request holds the header alone): a refusal or an upload. */
outcome handle_put(const request& req, const context& ctx, const resource_path& path);
/** PATCH with X-Update-Range (sabre/dav's partial update); like PUT, before the body is read. */
outcome handle_patch(const request& req, const context& ctx, const resource_path& path);
/**
 * What PUT and PATCH share before the body: the target's checks, then an upload into a pending file
 * beside it. `partial`: the body updates a range of the target (dav/partial_update.cpp).
 */
outcome start_upload(const request& req, const context& ctx, const resource_path& path,
                     std::optional<partial_write> partial);
outcome handle_mkcol(const request& req, const context& ctx, const resource_path& path);
outcome handle_delete(const request& req, const context& ctx, const resource_path& path);
outcome handle_copy_move(const request& req, const context& ctx, const resource_path& path);
outcome handle_propfind(const request& req, const context& ctx, const resource_path& path);
outcome handle_proppatch(const request& req, const context& ctx, const resource_path& path);
outcome handle_lock(const request& req, const context& ctx, const resource_path& path);
outcome handle_unlock(const request& req, const context& ctx, const resource_path& path);
/** A PUT's Content-Range as a partial write, or the 400 it deserves. */
std::variant<partial_write, reply> partial_put_of(const request_header& head);
/**
 * Where a range writes `length` bytes in a file of `size` bytes; nothing when it would start past the
 * end (416).
 */
std::optional<std::uint64_t> offset_in(const http_util::update_range& range, std::uint64_t size, std::uint64_t length);
/** A partial write the target (`existing`; none: missing) cannot take now: 404, 416 or 413. */
std::optional<reply> refuse_partial(const partial_write& partial, const std::optional<fs::entry_info>& existing,
                                    const context& ctx, std::string_view what);
/**
 * finish_put's second half for a partial update, its preconditions checked: the operation that
 * copies the target (`parent`/leaf, `existing` as stat saw it), writes the body over it and commits.
 */
outcome finish_partial(upload& up, fs::parent_ref parent, const std::optional<fs::entry_info>& existing,
                       const context& ctx, std::string what);

/** A granted LOCK's answer (RFC 4918 §9.10.1): Lock-Token and the lockdiscovery of `l`. */
reply lock_reply(http::status status, const locks::lock& l, std::string_view prefix);

/** Any method on desktop litter when it is hidden (--hide-os-litter): see litter.cpp. */
outcome handle_os_litter(const request& req, const context& ctx, const resource_path& path);

/** The methods this server implements, for Allow and 405/501 answers. */
inline constexpr std::string_view allowed_methods =
    "OPTIONS, GET, HEAD, PUT, PATCH, DELETE, MKCOL, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK";

} // namespace keepdav::dav
