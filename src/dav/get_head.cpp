#include "dav/collection_index.hpp"
#include "dav/davmount.hpp"
#include "dav/methods.hpp"
#include "fs/open_file_cache.hpp"
#include "http/byte_range.hpp"
#include "http/date.hpp"
#include "http/etag.hpp"
#include "http/mime.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

namespace {

/** RFC 9110 §13.1.5: a Range applies only while If-Range (an ETag or a date) still names this version. */
bool range_still_valid(std::string_view if_range, const std::string& etag, std::time_t modified) {
    if (if_range.empty()) return true;
    if (if_range.starts_with('"')) return if_range == etag;
    if (if_range.starts_with("W/")) return false; // a weak tag never validates a range
    auto date = http_util::parse_http_date(if_range);
    return date && *date == modified;
}

} // namespace

outcome handle_get_head(const request& req, const context& ctx, const resource_path& path) {
    auto opened =
        ctx.open_files ? ctx.open_files->open(ctx.tree, path.rel) : fs::open_file_uncached(ctx.tree, path.rel);
    if (!opened)
        return error_reply(status_logged(opened.error(), path_role::target, std::string(req.method_string()) + " /" + path.rel));
    const fs::entry_info* info = &opened->info;
    if (info->is_directory()) return collection_get(req, ctx, path);
    if (asks_for_davmount(query_of(req.target()))) {
        auto slash = path.rel.rfind('/');
        return davmount_reply(req, ctx, slash == std::string::npos ? "" : path.rel.substr(0, slash),
                              slash == std::string::npos ? path.rel : path.rel.substr(slash + 1));
    }
    if (info->type != fs::kind::file) return error_reply(http::status::forbidden, "not a regular file");

    reply r;
    auto etag = http_util::etag_for(info->inode, info->size, info->modified);
    r.fields.set(http::field::content_type, http_util::content_type_for(path.rel));
    r.fields.set(http::field::etag, etag);
    r.fields.set(http::field::last_modified, http_util::format_http_date(info->modified.tv_sec));
    r.fields.set(http::field::accept_ranges, "bytes");
    auto file = opened->fd;
    r.body = file_range{file, 0, info->size};
    auto range = req[http::field::range];
    if (range.empty() || !range_still_valid(req[http::field::if_range], etag, info->modified.tv_sec)) return r;
    auto wanted = http_util::parse_range(range, info->size);
    if (wanted.type == http_util::range_request::kind::unsatisfiable) {
        auto refused = error_reply(http::status::range_not_satisfiable, "the range lies beyond the end of the file");
        refused.fields.set(http::field::content_range, "bytes */" + std::to_string(info->size));
        return refused;
    }
    if (wanted.type == http_util::range_request::kind::partial) {
        r.status = http::status::partial_content;
        r.fields.set(http::field::content_range, "bytes " + std::to_string(wanted.offset) + "-" +
                                                     std::to_string(wanted.offset + wanted.length - 1) + "/" +
                                                     std::to_string(info->size));
        r.body = file_range{file, wanted.offset, wanted.length};
    }
    return r;
}

} // namespace keepdav::dav
