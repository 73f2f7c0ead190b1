#include "dav/lock_check.hpp"
#include "dav/methods.hpp"
#include "dav/spool.hpp"
#include "fs/open_file_cache.hpp"
#include "log.hpp"
#include "xml/multistatus_writer.hpp"

#include <boost/beast/http/field.hpp>

#include <unistd.h>

namespace keepdav::dav {

bool has_body(const request_header& head) {
    if (head.count(http::field::transfer_encoding)) return true;
    auto length = head[http::field::content_length];
    return !length.empty() && length != "0";
}

fs::walk_control make_walk_control(operation_context& op, const context& ctx, unsigned done_status) {
    fs::walk_control control;
    control.stop = op.stop;
    if (ctx.config.before_entry_hook)
        control.before_entry = [hook = &ctx.config.before_entry_hook, stop = op.stop](std::string_view rel) {
            (*hook)(rel, stop);
        };
    auto* p = &op.progress;
    control.entry_done = [p, done_status](std::string_view rel, bool collection) {
        p->item_done(done_status, rel, collection);
    };
    control.bytes_done = [p](std::uint64_t n) { p->add_bytes(n); };
    return control;
}

std::optional<reply> refuse_too_deep(std::string_view rel) {
    if (fs::path_depth(rel) <= fs::max_tree_depth) return std::nullopt;
    return error_reply(http::status::forbidden,
                       "paths more than " + std::to_string(fs::max_tree_depth) + " segments deep are not supported");
}

reply tree_operation_reply(http::status success, const std::vector<fs::member_failure>& failures,
                           const context& ctx, std::string_view what) {
    if (failures.empty()) return empty_reply(success);
    spool body(ctx.config.spool_dir.string());
    xml::multistatus_writer writer;
    writer.open();
    for (const auto& failure : failures) {
        auto status = status_logged(failure.error, path_role::destination, std::string(what) + " member /" + failure.rel);
        writer.response_status(href_for(failure.rel, false), xml::status_line(static_cast<unsigned>(status)));
        if (writer.data().size() > 64 * 1024) {
            body.write(writer.data());
            writer.data().clear();
        }
    }
    writer.close();
    body.write(writer.data());
    reply r;
    r.status = http::status::multi_status;
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    if (auto ec = body.finish(r)) return error_reply(http::status::insufficient_storage, "cannot spool the response");
    r.chunked = std::holds_alternative<std::string>(r.body);
    return r;
}

outcome handle(const request& req, const context& ctx) {
    // RFC 9110 §9.3.7: "OPTIONS *" asks about the server as a whole, not a resource.
    if (req.method() == http::verb::options && req.target() == "*") return handle_options(req, ctx, resource_path{});
    auto path = parse_target(req.target());
    if (!path) {
        log::info(std::string(req.method_string()) + " " + std::string(req.target()) + ": 400 (" + path.error().message() + ")");
        return error_reply(http::status::bad_request, path.error().message());
    }
    if (fs::is_internal_name(path->rel.substr(path->rel.rfind('/') + 1)))
        return error_reply(http::status::not_found);
    bool reads = req.method() == http::verb::get || req.method() == http::verb::head ||
                 req.method() == http::verb::options || req.method() == http::verb::propfind;
    if (ctx.config.read_only && !reads && req.method() != http::verb::unknown) {
        log::info(std::string(req.method_string()) + " " + std::string(req.target()) + ": 403 (read-only server)");
        return error_reply(http::status::forbidden, "this server is read-only");
    }
    // Descriptors kept open for GET must not keep files this request removes or replaces.
    if (!reads) fs::open_file_cache::clear_all_soon();
    if (req.method() == http::verb::get || req.method() == http::verb::head || req.method() == http::verb::options)
        if (auto refused = check_preconditions(req.base(), ctx, path->rel, {})) return std::move(*refused);
    switch (req.method()) {
    case http::verb::options: return handle_options(req, ctx, *path);
    case http::verb::get:
    case http::verb::head: return handle_get_head(req, ctx, *path);
    case http::verb::mkcol: return handle_mkcol(req, ctx, *path);
    case http::verb::delete_: return handle_delete(req, ctx, *path);
    case http::verb::copy:
    case http::verb::move: return handle_copy_move(req, ctx, *path);
    case http::verb::propfind: return handle_propfind(req, ctx, *path);
    case http::verb::proppatch: return handle_proppatch(req, ctx, *path);
    case http::verb::lock: return handle_lock(req, ctx, *path);
    case http::verb::unlock: return handle_unlock(req, ctx, *path);
    case http::verb::put: {
        // The server streams PUT bodies to disk through begin_put/finish_put; this path serves
        // callers (tests) that hold the whole body in memory.
        auto started = begin_put(req.base(), ctx);
        if (auto* r = std::get_if<reply>(&started)) return std::move(*r);
        auto& up = std::get<upload>(started);
        const auto& data = req.body();
        for (std::size_t done = 0; done < data.size();) {
            ssize_t n = ::write(up.file->fd(), data.data() + done, data.size() - done);
            if (n < 0) return error_reply(status_logged(fs::last_error(), path_role::target, "PUT"));
            done += static_cast<std::size_t>(n);
        }
        return finish_put(up, req.base(), ctx);
    }
    case http::verb::post:
    case http::verb::trace: {
        auto r = error_reply(http::status::method_not_allowed, std::string(req.method_string()) + " is not supported here");
        r.fields.set(http::field::allow, allowed_methods);
        return r;
    }
    default: {
        auto r = error_reply(http::status::not_implemented, "unknown method " + std::string(req.method_string()));
        r.fields.set(http::field::allow, allowed_methods);
        return r;
    }
    }
}

} // namespace keepdav::dav
