#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "locks/lock_store.hpp"
#include "fs/tree_ops.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

outcome handle_delete(const request& req, const context& ctx, const resource_path& path) {
    std::string what = "DELETE /" + path.rel;
    if (path.rel.empty()) return error_reply(http::status::forbidden, "the root collection cannot be deleted");
    // RFC 4918 §9.6.1: DELETE on a collection acts as Depth: infinity; any other Depth is an error.
    auto depth = parse_depth(req[http::field::depth], req.count(http::field::depth), depth::infinity);
    if (depth != depth::infinity) return error_reply(http::status::bad_request, "DELETE requires Depth: infinity");
    auto parent = ctx.tree.open_parent(path.rel);
    if (!parent) return error_reply(status_logged(parent.error(), path_role::target, what));
    auto info = fs::stat_at(parent->dir.get(), parent->leaf.c_str());
    if (!info) return error_reply(status_logged(info.error(), path_role::target, what));
    if (auto refused = check_preconditions(req.base(), ctx, path.rel, {{path.rel, true, true}})) return std::move(*refused);
    if (!info->is_directory()) {
        if (auto ec = fs::remove_file(*parent)) return error_reply(status_logged(ec, path_role::target, what));
        if (ctx.locks) ctx.locks->remove_within(path.rel); // RFC 4918 §9.6: a deleted resource's locks go too
        return empty_reply(http::status::no_content);
    }
    operation op;
    op.description = what;
    op.finishes_without_client = true;
    op.run = [ctx, rel = path.rel, what](operation_context& oc) {
        add_to_totals(oc, ctx, rel, false);
        auto control = make_walk_control(oc, ctx, 204);
        std::vector<fs::member_failure> failures;
        auto ec = fs::remove_tree(ctx.tree, rel, control, failures);
        if (ctx.locks && !ctx.tree.stat(rel)) ctx.locks->remove_within(rel);
        if (ec) return error_reply(status_logged(ec, path_role::target, what));
        return tree_operation_reply(http::status::no_content, failures, ctx, what);
    };
    return op;
}

} // namespace keepdav::dav
