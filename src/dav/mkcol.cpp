#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "fs/tree_ops.hpp"
#include "http/framing.hpp"

namespace keepdav::dav {

outcome handle_mkcol(const request& req, const context& ctx, const resource_path& path) {
    std::string what = "MKCOL /" + path.rel;
    // RFC 4918 §9.3: a body we do not understand is 415.
    if (http_util::has_body(req.base()) || !req.body().empty())
        return error_reply(http::status::unsupported_media_type, "MKCOL with a request body is not supported");
    if (path.rel.empty()) return error_reply(http::status::method_not_allowed, "the root collection exists");
    if (auto refused = refuse_too_deep(path.rel)) return std::move(*refused);
    if (auto refused = check_preconditions(req.base(), ctx, path.rel, {{path.rel, false, true}})) return std::move(*refused);
    auto parent = ctx.tree.open_parent(path.rel);
    if (!parent) return error_reply(status_logged(parent.error(), path_role::parent, what));
    if (auto ec = fs::make_directory(*parent)) {
        // RFC 4918 §9.3.1: MKCOL on a mapped URL is 405.
        if (ec == boost::system::errc::file_exists) return error_reply(http::status::method_not_allowed, "the resource exists");
        return error_reply(status_logged(ec, path_role::parent, what));
    }
    return empty_reply(http::status::created);
}

} // namespace keepdav::dav
