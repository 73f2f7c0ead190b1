#include "dav/methods.hpp"
#include "dav/spool.hpp"
#include "http/date.hpp"
#include "http/etag.hpp"
#include "http/mime.hpp"
#include "xml/multistatus_writer.hpp"

#include <boost/beast/http/field.hpp>

#include <fcntl.h>

namespace keepdav::dav {

namespace {

/** A plain HTML index of a collection, for browsers. Listing can be long, so it is an operation. */
operation collection_index(const context& ctx, const resource_path& path) {
    operation op;
    op.description = "GET " + href_for(path.rel, true);
    op.run = [ctx, rel = path.rel](operation_context& oc) {
        auto dir = ctx.tree.open(rel, O_RDONLY | O_DIRECTORY);
        if (!dir) return error_reply(status_logged(dir.error(), path_role::target, "GET index"));
        spool body(ctx.config.spool_dir.string());
        std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
        std::string title = href_for(rel, true);
        xml::append_escaped(html, title);
        html += "</title></head><body><h1>";
        xml::append_escaped(html, title);
        html += "</h1><ul>\n";
        if (!rel.empty()) html += "<li><a href=\"../\">../</a></li>\n";
        auto ec = fs::for_each_entry(dir->get(), [&](const char* name, unsigned char) {
            if (oc.stop.stop_requested()) return false;
            auto info = fs::stat_at(dir->get(), name);
            bool collection = info && info->is_directory();
            std::string href = href_for(fs::join(rel, name), collection);
            html += "<li><a href=\"";
            xml::append_escaped(html, href);
            html += "\">";
            xml::append_escaped(html, name);
            if (collection) html += "/";
            html += "</a></li>\n";
            if (html.size() > 64 * 1024) {
                body.write(html);
                html.clear();
            }
            return true;
        });
        if (ec) return error_reply(status_logged(ec, path_role::target, "GET index"));
        html += "</ul></body></html>\n";
        body.write(html);
        reply r;
        r.fields.set(http::field::content_type, "text/html; charset=utf-8");
        if (body.finish(r)) return error_reply(http::status::insufficient_storage, "cannot spool the index");
        return r;
    };
    return op;
}

} // namespace

outcome handle_get_head(const request& req, const context& ctx, const resource_path& path) {
    auto fd = ctx.tree.open(path.rel, O_RDONLY);
    if (!fd) return error_reply(status_logged(fd.error(), path_role::target, std::string(req.method_string()) + " /" + path.rel));
    auto info = fs::stat_fd(fd->get());
    if (!info) return error_reply(status_logged(info.error(), path_role::target, "GET"));
    if (info->is_directory()) return collection_index(ctx, path);
    if (info->type != fs::kind::file) return error_reply(http::status::forbidden, "not a regular file");

    reply r;
    r.fields.set(http::field::content_type, http_util::content_type_for(path.rel));
    r.fields.set(http::field::etag, http_util::etag_for(*info));
    r.fields.set(http::field::last_modified, http_util::format_http_date(info->modified.tv_sec));
    r.fields.set(http::field::accept_ranges, "none");
    r.body = file_range{std::make_shared<fs::unique_fd>(std::move(*fd)), 0, info->size};
    return r;
}

} // namespace keepdav::dav
