// What each method does with desktop litter under --hide-os-litter (dav/os_litter.hpp names it). The
// litter does not exist in the share, and writing it succeeds without storing anything: Finder and
// Explorer write it as a side effect of copying the files a person chose, and an error there would
// fail that copy. sabre/dav's TemporaryFileFilterPlugin keeps such files in a store of their own for
// a while; keepdav keeps their names only (litter_memory), so a client reading back what it just
// wrote finds an empty file, nothing needs cleaning up and nothing can fill a disk.
#include "dav/litter_memory.hpp"
#include "dav/methods.hpp"
#include "http/date.hpp"
#include "xml/multistatus_writer.hpp"
#include "log.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <fcntl.h>

namespace keepdav::dav {

namespace {

/**
 * Litter a client wrote lately, as it finds it when it reads it back: an empty file (or collection),
 * dated when it was written. PROPFIND answers the properties Finder reads, whatever it asked for.
 */
reply remembered_litter(const request& req, const resource_path& path, const litter_memory::entry& e) {
    auto modified = http_util::format_http_date(e.written);
    if (req.method() != http::verb::propfind) {
        reply r;
        r.fields.set(http::field::content_type, e.collection ? "text/html; charset=utf-8" : "application/octet-stream");
        r.fields.set(http::field::last_modified, modified);
        r.body = std::string();
        return r;
    }
    xml::multistatus_writer w;
    w.open();
    w.begin_response(href_for(path.rel, e.collection));
    w.begin_propstat();
    w.raw_property(e.collection ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>");
    if (!e.collection) w.raw_property("<D:getcontentlength>0</D:getcontentlength>");
    w.raw_property("<D:getlastmodified>" + modified + "</D:getlastmodified>");
    w.end_propstat(status_line(http::status::ok));
    w.end_response();
    w.close();
    reply r;
    r.status = http::status::multi_status;
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    r.body = std::move(w.data());
    return r;
}

} // namespace

outcome handle_os_litter(const request& req, const context& ctx, const resource_path& path) {
    switch (req.method()) {
    case http::verb::put: {
        // The body is read as for any PUT (the connection stays in step) into an unnamed file that
        // finish_put discards.
        auto root = ctx.tree.open("", O_RDONLY | O_DIRECTORY);
        if (!root) return error_reply(status_logged(root.error(), path_role::parent, "PUT /" + path.rel));
        upload up;
        up.rel = path.rel;
        up.discard = true;
        up.dir = std::move(*root);
        auto file = fs::pending_file::create(up.dir.get(), ".keepdav-litter", 0600);
        if (!file) return error_reply(status_logged(file.error(), path_role::parent, "PUT /" + path.rel));
        up.file.emplace(std::move(*file));
        return up;
    }
    case http::verb::lock: {
        // Finder locks each file it writes, its AppleDouble companion included, and would fail the
        // copy on a refusal: a lock on nothing is granted and forgotten (the PUT it guards is dropped).
        locks::lock l;
        l.token = "urn:uuid:" + boost::uuids::to_string(boost::uuids::random_generator()());
        l.root = path.rel;
        l.timeout = ctx.config.default_lock_timeout;
        l.expires = locks::clock::now() + l.timeout;
        return lock_reply(http::status::created, l, ctx.config.path_prefix);
    }
    case http::verb::unlock: return empty_reply(http::status::no_content);
    // Asked to make a litter folder (.Trashes, .TemporaryItems) or remove litter: done, as far as the
    // share can tell.
    case http::verb::mkcol:
        if (ctx.litter) ctx.litter->wrote(path.rel, true);
        return empty_reply(http::status::created);
    case http::verb::delete_:
        if (ctx.litter) ctx.litter->removed(path.rel);
        return empty_reply(http::status::no_content);
    case http::verb::get:
    case http::verb::head:
    case http::verb::propfind:
        if (auto remembered = ctx.litter ? ctx.litter->find(path.rel) : std::nullopt)
            return remembered_litter(req, path, *remembered);
        [[fallthrough]];
    default:
        log::debug(std::string(req.method_string()) + " /" + path.rel + ": 404 (desktop litter is hidden)");
        return error_reply(http::status::not_found);
    }
}

} // namespace keepdav::dav
