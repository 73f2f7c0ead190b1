// The one entry of the protocol: the rules every method obeys (a target that parses, reserved names,
// a read-only server, open-file caches dropped before a change, conditional reads), then the
// method's own handler.
#include "locks/lock_store.hpp"
#include "dav/access_rules.hpp"
#include "dav/methods.hpp"
#include "dav/os_litter.hpp"
#include "dav/preconditions.hpp"
#include "fs/open_file_cache.hpp"
#include "log.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

namespace {

reply refuse_method(http::status status, const std::string& detail) {
    auto r = error_reply(status, detail);
    r.fields.set(http::field::allow, allowed_methods);
    return r;
}

/**
 * What the request's user may not do here (README, "Users and permissions"). A `none` path is 404, as
 * if it did not exist (RFC 9110 §15.5.5 allows a 404 for a resource the server will not disclose). A
 * method on a whole tree needs its level on every rule inside it, or is refused as a whole with 403:
 * RFC 4918 §9.6.1 and §9.9.4 let a server report failed members in a 207, but a refusal before
 * anything is touched leaves no half-done DELETE or MOVE.
 */
std::optional<reply> refuse_by_access(http::verb method, const std::string& rel, const access_rules& rules) {
    bool tree = method == http::verb::delete_ || method == http::verb::move || method == http::verb::copy;
    // A COPY only reads its source; its destination is checked by handle_copy_move.
    auto needed = method == http::verb::copy ? access_level::read : needed_level(method);
    switch (decide(rules, rel, needed, tree)) {
    case access_decision::allowed: return std::nullopt;
    case access_decision::not_found: return error_reply(http::status::not_found);
    case access_decision::forbidden: break;
    }
    log::info(std::string(http::to_string(method)) + " /" + rel + ": 403 (not allowed for this user)");
    return error_reply(http::status::forbidden, "not allowed for this user");
}

outcome route(const request& req, const context& ctx) {
    // RFC 9110 §9.3.7: "OPTIONS *" asks about the server as a whole, not a resource.
    if (req.method() == http::verb::options && req.target() == "*") return handle_options(req, ctx, resource_path{});
    auto path = parse_target(req.target(), ctx.config.path_prefix);
    // Outside --prefix is nothing this server has: 404, as for any unmapped URL.
    if (!path && path.error() == target_errc::outside_prefix) return error_reply(http::status::not_found);
    if (!path) {
        log::info(std::string(req.method_string()) + " " + std::string(req.target()) + ": 400 (" + path.error().message() + ")");
        return error_reply(http::status::bad_request, path.error().message());
    }
    // The server's own temporary files do not exist for clients, whatever the method: 404, as for
    // any unmapped URL (a PUT there would write what the next start sweeps away).
    if (fs::is_internal_name(path->rel.substr(path->rel.rfind('/') + 1))) return error_reply(http::status::not_found);
    if (ctx.access)
        if (auto refused = refuse_by_access(req.method(), path->rel, *ctx.access)) return std::move(*refused);
    bool reads = req.method() == http::verb::get || req.method() == http::verb::head ||
                 req.method() == http::verb::options || req.method() == http::verb::propfind;
    if (ctx.config.read_only && !reads && req.method() != http::verb::unknown) {
        log::info(std::string(req.method_string()) + " " + std::string(req.target()) + ": 403 (read-only server)");
        return error_reply(http::status::forbidden, "this server is read-only");
    }
    if (ctx.config.hide_os_litter && req.method() != http::verb::options) {
        if (path_has_os_litter(path->rel)) return handle_os_litter(req, ctx, *path);
        // A resource renamed or copied to a litter name would vanish from the share.
        if (req.method() == http::verb::copy || req.method() == http::verb::move) {
            auto dst = parse_destination(req[http::field::destination], host_of(req, ctx), ctx.tls);
            if (dst && path_has_os_litter(dst->rel))
                return error_reply(http::status::forbidden, "the destination is a name hidden as desktop litter");
        }
    }
    // Descriptors kept open for GET must not keep files this request removes or replaces.
    if (!reads) fs::open_file_cache::clear_all_soon();
    if (req.method() == http::verb::get || req.method() == http::verb::head || req.method() == http::verb::options)
        if (auto refused = check_preconditions(req.base(), ctx, path->rel, {})) return std::move(*refused);
    switch (req.method()) {
    case http::verb::options: return handle_options(req, ctx, *path);
    case http::verb::get:
    case http::verb::head: return handle_get_head(req, ctx, *path);
    case http::verb::put: return handle_put(req, ctx, *path);
    case http::verb::patch: return handle_patch(req, ctx, *path);
    case http::verb::mkcol: return handle_mkcol(req, ctx, *path);
    case http::verb::delete_: return handle_delete(req, ctx, *path);
    case http::verb::copy:
    case http::verb::move: return handle_copy_move(req, ctx, *path);
    case http::verb::propfind: return handle_propfind(req, ctx, *path);
    case http::verb::proppatch: return handle_proppatch(req, ctx, *path);
    case http::verb::lock: return handle_lock(req, ctx, *path);
    case http::verb::unlock: return handle_unlock(req, ctx, *path);
    // RFC 9110 §15.5.6: a method the server knows but the resource does not support is 405, with Allow.
    case http::verb::post:
    case http::verb::trace:
        return refuse_method(http::status::method_not_allowed, std::string(req.method_string()) + " is not supported here");
    // RFC 9110 §15.6.2: a method the server does not recognise is 501.
    default: return refuse_method(http::status::not_implemented, "unknown method " + std::string(req.method_string()));
    }
}

} // namespace

outcome handle(const request& req, const context& ctx) {
    try {
        return route(req, ctx);
    } catch (const locks::store_unavailable& e) {
        // The lock table (a cluster's database) is out of reach: nothing that needs it is done
        // unchecked. RFC 9110 §15.6.4: 503 with Retry-After (error_reply), for a moment's outage.
        log::error(std::string(req.method_string()) + " " + std::string(req.target()) + ": 503 (lock table: " + e.what() + ")");
        return error_reply(http::status::service_unavailable, "the lock table is unreachable; try again");
    }
}

} // namespace keepdav::dav
