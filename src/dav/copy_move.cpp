#include "dav/access_rules.hpp"
#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "locks/lock_store.hpp"
#include "fs/tree_ops.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

namespace {

struct transfer {
    bool is_move;
    std::string src;
    std::string dst;
    fs::copy_depth depth;
    bool dst_existed;
    std::string what;
};

reply run_transfer(const transfer& t, const context& ctx, operation_context& oc) {
    auto control = make_walk_control(oc, ctx, 201);
    std::vector<fs::member_failure> failures;
    auto success = t.dst_existed ? http::status::no_content : http::status::created;
    if (t.dst_existed) {
        // RFC 4918 §9.8.4 / §9.9.3: with Overwrite: T the destination is deleted first.
        add_to_totals(oc, ctx, t.dst, false);
        auto removing = make_walk_control(oc, ctx, 204);
        if (auto ec = fs::remove_tree(ctx.tree, t.dst, removing, failures))
            return error_reply(status_logged(ec, path_role::destination, t.what));
        if (!failures.empty()) return tree_operation_reply(success, failures, ctx, t.what);
    }
    if (t.is_move) {
        auto ec = fs::rename_entry(ctx.tree, t.src, t.dst, false);
        if (!ec) {
            if (ctx.locks) ctx.locks->remove_within(t.src);
            return empty_reply(success);
        }
        if (ec.value() != EXDEV) return error_reply(status_logged(ec, path_role::parent, t.what));
    }
    if (t.depth == fs::copy_depth::infinity) add_to_totals(oc, ctx, t.src, true);
    if (auto ec = fs::copy_tree(ctx.tree, t.src, t.dst, t.depth, control, failures))
        return error_reply(status_logged(ec, path_role::parent, t.what));
    if (t.is_move && failures.empty() && !oc.stop.stop_requested()) {
        // Across file systems MOVE is copy, then delete; the source stays if any member failed.
        auto source_control = make_walk_control(oc, ctx, 204);
        source_control.entry_done = nullptr;
        auto ec = fs::remove_tree(ctx.tree, t.src, source_control, failures);
        if (ctx.locks && !ctx.tree.stat(t.src)) ctx.locks->remove_within(t.src);
        if (ec) return error_reply(status_logged(ec, path_role::target, t.what));
    }
    return tree_operation_reply(success, failures, ctx, t.what);
}

} // namespace

outcome handle_copy_move(const request& req, const context& ctx, const resource_path& path) {
    transfer t;
    t.is_move = req.method() == http::verb::move;
    t.src = path.rel;
    t.what = std::string(req.method_string()) + " /" + path.rel;

    auto destination = req[http::field::destination];
    if (destination.empty()) return error_reply(http::status::bad_request, "a Destination header is required");
    auto dst = parse_destination(destination, host_of(req, ctx), ctx.tls, ctx.config.path_prefix);
    if (!dst) {
        // RFC 4918 §9.8.5: 502 when the destination is on another server; outside --prefix it is
        // on whatever else the proxy in front routes to.
        bool elsewhere = dst.error() == target_errc::other_server || dst.error() == target_errc::outside_prefix;
        auto status = elsewhere ? http::status::bad_gateway : http::status::bad_request;
        return error_reply(status, "Destination: " + dst.error().message());
    }
    t.dst = dst->rel;
    t.what += " -> /" + t.dst;
    if (auto refused = refuse_too_deep(t.dst)) return std::move(*refused);
    // The destination is written, and what it holds replaced: the user needs write on all of it.
    if (ctx.access && decide(*ctx.access, t.dst, access_level::write, true) != access_decision::allowed)
        return error_reply(http::status::forbidden, "the destination is not writable for this user");

    auto depth = parse_depth(req[http::field::depth], req.count(http::field::depth), depth::infinity);
    if (!depth || *depth == depth::one || (t.is_move && *depth != depth::infinity))
        return error_reply(http::status::bad_request,
                           t.is_move ? "MOVE requires Depth: infinity" : "COPY takes Depth: 0 or infinity");
    t.depth = *depth == depth::zero ? fs::copy_depth::resource_only : fs::copy_depth::infinity;
    auto overwrite = parse_overwrite(req[http::field::overwrite], req.count(http::field::overwrite));
    if (!overwrite) return error_reply(http::status::bad_request, "Overwrite must be T or F");

    auto source = ctx.tree.stat(t.src);
    if (!source) return error_reply(status_logged(source.error(), path_role::target, t.what));
    if (t.src == t.dst) return error_reply(http::status::forbidden, "source and destination are the same resource");
    if (t.src.empty() || t.dst.empty()) return error_reply(http::status::forbidden, "the root collection cannot be copied, moved or replaced");
    if (source->is_directory() && t.depth == fs::copy_depth::infinity && locks::path_within(t.dst, t.src))
        return error_reply(http::status::forbidden, "the destination lies inside the source");
    if (locks::path_within(t.src, t.dst) && *overwrite)
        return error_reply(http::status::forbidden, "the destination contains the source");

    auto parent = ctx.tree.open_parent(t.dst);
    if (!parent) return error_reply(status_logged(parent.error(), path_role::parent, t.what));
    auto existing = fs::stat_at(parent->dir.get(), parent->leaf.c_str());
    t.dst_existed = bool(existing);
    if (t.dst_existed && !*overwrite)
        return error_reply(http::status::precondition_failed, "the destination exists and Overwrite is F");
    if (t.is_move) {
        if (auto refused = check_preconditions(req.base(), ctx, path.rel, {{t.src, true, true}, {t.dst, true, true}}))
            return std::move(*refused);
    } else if (auto refused = check_preconditions(req.base(), ctx, path.rel, {{t.dst, true, true}})) {
        return std::move(*refused);
    }

    if (t.is_move && (!t.dst_existed || (!existing->is_directory() && !source->is_directory()))) {
        // Within one file system a MOVE is a single rename: answer at once.
        auto ec = fs::rename_entry(ctx.tree, t.src, t.dst, t.dst_existed);
        if (!ec) {
            // RFC 4918 §7.6: locks stay with their URLs; those on the source are gone with it.
            if (ctx.locks) ctx.locks->remove_within(t.src);
            return empty_reply(t.dst_existed ? http::status::no_content : http::status::created);
        }
        if (ec.value() != EXDEV) return error_reply(status_logged(ec, path_role::parent, t.what));
    }
    operation op;
    op.description = t.what;
    op.finishes_without_client = t.is_move;
    op.cancellable = !t.is_move;
    op.run = [t = std::move(t), ctx](operation_context& oc) { return run_transfer(t, ctx, oc); };
    return op;
}

} // namespace keepdav::dav
