#include "dav/lock_check.hpp"
#include "dav/methods.hpp"
#include "fs/open_file_cache.hpp"

#include <boost/beast/http/field.hpp>

#include <charconv>

#include <sys/stat.h>

namespace keepdav::dav {

std::variant<reply, upload> begin_put(const request_header& head, const context& ctx) {
    auto path = parse_target(head.target());
    if (!path) return error_reply(http::status::bad_request, path.error().message());
    std::string what = "PUT /" + path->rel;
    if (ctx.config.read_only) return error_reply(http::status::forbidden, "this server is read-only");
    if (ctx.config.max_put_bytes) {
        auto length = head[http::field::content_length];
        std::uint64_t declared = 0;
        auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), declared);
        if (ec == std::errc() && end == length.data() + length.size() && declared > ctx.config.max_put_bytes)
            return error_reply(http::status::payload_too_large,
                               "PUT bodies are limited to " + std::to_string(ctx.config.max_put_bytes) + " bytes");
    }
    if (path->rel.empty()) return error_reply(http::status::method_not_allowed, "cannot PUT onto the root collection");
    if (fs::is_internal_name(path->rel.substr(path->rel.rfind('/') + 1)))
        return error_reply(http::status::forbidden, "that name is reserved by the server");
    // RFC 9110 §9.3.4: a partial PUT we do not support must be refused.
    if (head.count(http::field::content_range)) return error_reply(http::status::bad_request, "Content-Range on PUT is not supported");
    auto parent = ctx.tree.open_parent(path->rel);
    if (!parent) return error_reply(status_logged(parent.error(), path_role::parent, what));
    upload up;
    up.rel = path->rel;
    if (auto existing = fs::stat_at(parent->dir.get(), parent->leaf.c_str())) {
        if (existing->is_directory()) return error_reply(http::status::method_not_allowed, "the target is a collection");
        up.existed = true;
    }
    if (auto refused = check_preconditions(head, ctx, path->rel, {{path->rel, false, !up.existed}})) return std::move(*refused);
    up.dir = std::move(parent->dir);
    auto file = fs::pending_file::create(up.dir.get(), parent->leaf, 0644);
    if (!file) return error_reply(status_logged(file.error(), path_role::parent, what));
    up.file.emplace(std::move(*file));
    return up;
}

reply finish_put(upload& up, const context&) {
    fs::open_file_cache::clear_all_soon(); // a file replaced must not stay pinned by a descriptor kept for GET
    if (auto ec = up.file->commit(true)) return error_reply(status_logged(ec, path_role::parent, "PUT /" + up.rel));
    return empty_reply(up.existed ? http::status::no_content : http::status::created);
}

} // namespace keepdav::dav
