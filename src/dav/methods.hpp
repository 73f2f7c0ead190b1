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
outcome handle_mkcol(const request& req, const context& ctx, const resource_path& path);
outcome handle_delete(const request& req, const context& ctx, const resource_path& path);
outcome handle_copy_move(const request& req, const context& ctx, const resource_path& path);
outcome handle_propfind(const request& req, const context& ctx, const resource_path& path);
outcome handle_proppatch(const request& req, const context& ctx, const resource_path& path);
outcome handle_lock(const request& req, const context& ctx, const resource_path& path);
outcome handle_unlock(const request& req, const context& ctx, const resource_path& path);
/** A granted LOCK's answer (RFC 4918 §9.10.1): Lock-Token and the lockdiscovery of `l`. */
reply lock_reply(http::status status, const locks::lock& l, std::string_view prefix);

/** Any method on desktop litter when it is hidden (--hide-os-litter): see litter.cpp. */
outcome handle_os_litter(const request& req, const context& ctx, const resource_path& path);

/** The methods this server implements, for Allow and 405/501 answers. */
inline constexpr std::string_view allowed_methods =
    "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK";

} // namespace keepdav::dav
