// What each method does with desktop litter under --hide-os-litter (dav/os_litter.hpp names it). The
// litter does not exist in the share, and writing it succeeds without storing anything: Finder and
// Explorer write it as a side effect of copying the files a person chose, and an error there would
// fail that copy. sabre/dav's TemporaryFileFilterPlugin keeps such files in a store of their own for
// a while instead; keepdav keeps nothing, so nothing needs cleaning up and nothing can fill a disk.
#include "dav/methods.hpp"
#include "log.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <fcntl.h>

namespace keepdav::dav {

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
    case http::verb::mkcol: return empty_reply(http::status::created);
    case http::verb::delete_: return empty_reply(http::status::no_content);
    default:
        log::debug(std::string(req.method_string()) + " /" + path.rel + ": 404 (desktop litter is hidden)");
        return error_reply(http::status::not_found);
    }
}

} // namespace keepdav::dav
