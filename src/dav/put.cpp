// PUT in two steps around its body: handle_put checks the request and opens the pending file the
// body goes into; finish_put checks again, as things are once the body is in, and commits it.
#include "dav/client_times.hpp"
#include "dav/litter_memory.hpp"
#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "fs/open_file_cache.hpp"
#include "fs/tree_ops.hpp"
#include "log.hpp"

#include <boost/beast/http/field.hpp>

#include <cerrno>
#include <charconv>

namespace keepdav::dav {

namespace {

/** A field's value as a decimal number, or nothing when it is absent or not one. */
std::optional<std::uint64_t> decimal_field(const request_header& head, std::string_view name) {
    auto value = head[name];
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return number;
}

bool same_directory(int a, int b) {
    auto first = fs::stat_fd(a);
    auto second = fs::stat_fd(b);
    return first && second && first->device == second->device && first->inode == second->inode;
}

} // namespace

outcome handle_put(const request& req, const context& ctx, const resource_path& path) {
    if (!req.count(http::field::content_range)) return start_upload(req, ctx, path, std::nullopt);
    auto partial = partial_put_of(req.base());
    if (auto* refused = std::get_if<reply>(&partial)) return std::move(*refused);
    return start_upload(req, ctx, path, std::get<partial_write>(partial));
}

outcome start_upload(const request& req, const context& ctx, const resource_path& path,
                     std::optional<partial_write> partial) {
    const request_header& head = req.base();
    std::string what = std::string(req.method_string()) + " /" + path.rel;
    if (ctx.config.max_put_bytes) {
        auto declared = decimal_field(head, to_string(http::field::content_length));
        if (declared && *declared > ctx.config.max_put_bytes)
            return error_reply(http::status::payload_too_large,
                               "PUT bodies are limited to " + std::to_string(ctx.config.max_put_bytes) + " bytes");
    }
    if (path.rel.empty()) return error_reply(http::status::method_not_allowed, "cannot PUT onto the root collection");
    if (auto refused = refuse_too_deep(path.rel)) return std::move(*refused);
    auto parent = ctx.tree.open_parent(path.rel);
    // A PATCH changes what exists: a missing collection on the way is a missing target, 404 (sabre/dav).
    auto role = partial && partial->patch ? path_role::target : path_role::parent;
    if (!parent) return error_reply(status_logged(parent.error(), role, what));
    upload up;
    up.rel = path.rel;
    auto existing = fs::stat_at(parent->dir.get(), parent->leaf.c_str());
    if (existing && existing->is_directory())
        return error_reply(http::status::method_not_allowed, "the target is a collection");
    if (auto refused = check_preconditions(head, ctx, path.rel, {{path.rel, false, !existing}}))
        return std::move(*refused);
    if (partial) {
        if (auto refused = refuse_partial(*partial, existing ? std::optional(*existing) : std::nullopt, ctx, what))
            return std::move(*refused);
        up.partial = partial;
    }
    up.expected_length = decimal_field(head, "X-Expected-Entity-Length");
    if (head.count(oc_mtime_field)) {
        // Refused before the body is read, as ownCloud does: a client that asks for a date and does
        // not get it would compare the file as changed on its next sync.
        up.client_mtime = parse_oc_mtime(head[oc_mtime_field]);
        if (!up.client_mtime) return error_reply(http::status::bad_request, "X-OC-Mtime must be Unix seconds");
    }
    up.dir = std::move(parent->dir);
    auto file = fs::pending_file::create(up.dir.get(), parent->leaf, 0644);
    if (!file) return error_reply(status_logged(file.error(), path_role::parent, what));
    up.file.emplace(std::move(*file));
    return up;
}


outcome finish_put(upload& up, const request_header& head, const context& ctx) {
    std::string what = std::string(head.method_string()) + " /" + up.rel;
    if (up.discard) {
        up.file->discard();
        if (ctx.litter) ctx.litter->wrote(up.rel, false);
        log::debug(what + ": 201, not stored (desktop litter is hidden)");
        return empty_reply(http::status::created);
    }
    // Whatever is refused here, nothing becomes visible and the old file stays as it was.
    auto refuse = [&](reply r) {
        up.file->discard();
        return r;
    };
    if (up.expected_length) {
        // A chunked body that ends early looks complete to the parser: macOS Finder's
        // X-Expected-Entity-Length is the only sign that it was cut short.
        auto written = fs::stat_fd(up.file->fd());
        if (!written) return refuse(error_reply(status_logged(written.error(), path_role::target, what)));
        if (written->size != *up.expected_length) {
            bool shorter = written->size < *up.expected_length;
            log::info(what + ": 400 (" + std::to_string(written->size) + " body bytes, X-Expected-Entity-Length " +
                      std::to_string(*up.expected_length) + ")");
            return refuse(error_reply(http::status::bad_request,
                                      shorter ? "body shorter than X-Expected-Entity-Length"
                                              : "body longer than X-Expected-Entity-Length"));
        }
    }
    // The body may have taken minutes: the parent collection may have been moved, removed or
    // replaced meanwhile. The file goes where the URL names now, never where the old directory went.
    auto parent = ctx.tree.open_parent(up.rel);
    if (!parent) return refuse(error_reply(status_logged(parent.error(), path_role::parent, what)));
    auto existing = fs::stat_at(parent->dir.get(), parent->leaf.c_str());
    // What handle_put checked may have changed too: a LOCK granted, an ETag changed (RFC 4918 §7,
    // RFC 9110 §13): checked again, as if the request had arrived now.
    if (auto refused = check_preconditions(head, ctx, up.rel, {{up.rel, false, !existing}}))
        return refuse(std::move(*refused));
    auto failed = [&](const fs::error_code& ec) {
        if (ec.value() != EXDEV) return refuse(error_reply(status_logged(ec, path_role::parent, what)));
        log::info(what + ": 409 (the parent collection is now on another file system)");
        return refuse(error_reply(http::status::conflict,
                                  "the parent collection was replaced while the body was uploading"));
    };
    // The piece is copied into a new file in the directory as it is now: where the pending file lies
    // does not matter.
    if (up.partial)
        return finish_partial(up, std::move(*parent), existing ? std::optional(*existing) : std::nullopt, ctx, what);
    if (!same_directory(parent->dir.get(), up.dir.get())) {
        if (auto ec = up.file->move_to(parent->dir.get())) return failed(ec);
        up.dir = std::move(parent->dir);
    }
    // The file replaced must not stay pinned by a descriptor kept for GET: handle() cleared the
    // caches when the request began, but the body may have taken longer than their 250 ms catch-up.
    fs::open_file_cache::clear_all_soon();
    if (up.client_mtime) {
        // Before the file is named: no reader ever sees it with the upload's own time.
        if (auto ec = fs::set_times(up.file->fd(), {std::nullopt, timespec{*up.client_mtime, 0}}))
            return refuse(error_reply(status_logged(ec, path_role::target, what + " (X-OC-Mtime)")));
    }
    if (auto ec = up.file->commit(true)) return failed(ec);
    auto r = empty_reply(existing ? http::status::no_content : http::status::created);
    if (up.client_mtime) r.fields.set(oc_mtime_reply_field, "accepted");
    return r;
}

reply upload_failure_reply(const boost::system::error_code& ec, std::string_view what) {
    auto r = error_reply(status_logged(ec, path_role::target, what), "writing the body failed: " + ec.message());
    r.close_connection = true;
    return r;
}

} // namespace keepdav::dav
