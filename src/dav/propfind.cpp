#include "dav/methods.hpp"
#include "dav/lock_check.hpp"
#include "dav/properties.hpp"
#include "dav/spool.hpp"
#include "xml/request_bodies.hpp"

#include <boost/beast/http/field.hpp>

#include <dirent.h>
#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>

namespace keepdav::dav {

namespace {

const std::string ok_line = xml::status_line(200);
const std::string missing_line = xml::status_line(404);

/** Writes DAV:response elements into a spool, flushing the writer's buffer as it grows. */
class propfind_writer {
public:
    propfind_writer(const xml::propfind_body& body, const context& ctx, spool& out)
        : body_(body), ctx_(ctx), out_(out) {
        writer_.open();
    }

    /** One resource: `where` locates its dead properties. */
    void resource(std::string_view rel, const fs::entry_info& info, const fs::xattr_target& where) {
        property_subject subject{rel, rel.substr(rel.rfind('/') + 1), info, ctx_};
        dead_.clear();
        if (auto stored = fs::read_properties(where)) dead_ = std::move(*stored);
        writer_.begin_response(href_for(rel, info.is_directory()));
        switch (body_.type) {
        case xml::propfind_body::kind::allprop:
            writer_.begin_propstat();
            for (const auto& p : live_properties())
                if ((p.in_allprop || wanted_too(p.name)) && p.applies(subject) && !dead(p.name)) p.write(writer_, p.name, subject);
            for (const auto& d : dead_) writer_.raw_property(d.value);
            writer_.end_propstat(ok_line);
            break;
        case xml::propfind_body::kind::propname:
            writer_.begin_propstat();
            for (const auto& p : live_properties())
                if (p.applies(subject) && !dead(p.name)) writer_.empty_property(p.name);
            for (const auto& d : dead_) writer_.empty_property(property_name(d.key));
            writer_.end_propstat(ok_line);
            break;
        case xml::propfind_body::kind::prop: {
            missing_.clear();
            bool any_found = false;
            for (const auto& name : body_.props) {
                const fs::stored_property* stored = dead(name);
                auto* live = stored ? nullptr : find_live_property(name);
                if (!stored && (!live || !live->applies(subject))) {
                    missing_.push_back(&name);
                    continue;
                }
                if (!any_found) writer_.begin_propstat();
                any_found = true;
                if (stored)
                    writer_.raw_property(stored->value);
                else
                    live->write(writer_, name, subject);
            }
            if (any_found) writer_.end_propstat(ok_line);
            if (!missing_.empty()) {
                writer_.begin_propstat();
                for (auto* name : missing_) writer_.empty_property(*name);
                writer_.end_propstat(missing_line);
            }
            break;
        }
        }
        writer_.end_response();
        if (writer_.data().size() >= 64 * 1024) flush();
    }

    reply finish() {
        writer_.close();
        flush();
        reply r;
        r.status = http::status::multi_status;
        r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
        if (out_.finish(r)) return error_reply(http::status::insufficient_storage, "cannot spool the response");
        // In memory: streamed chunked. Spooled to a file: its length is known, and sendfile sends it.
        r.chunked = std::holds_alternative<std::string>(r.body);
        return r;
    }

private:
    void flush() {
        out_.write(writer_.data());
        writer_.data().clear();
    }
    /** A dead property of the current resource with this name, if any. */
    const fs::stored_property* dead(const xml::qname& name) const {
        if (dead_.empty()) return nullptr; // the common case: no key to build
        auto key = property_key(name);
        for (const auto& d : dead_)
            if (d.key == key) return &d;
        return nullptr;
    }
    /** allprop's DAV:include (RFC 4918 §9.1): live properties allprop leaves out, asked for by name. */
    bool wanted_too(const xml::qname& name) const {
        return std::find(body_.include.begin(), body_.include.end(), name) != body_.include.end();
    }

    const xml::propfind_body& body_;
    const context& ctx_;
    spool& out_;
    std::vector<fs::stored_property> dead_;
    xml::multistatus_writer writer_;
    std::vector<const xml::qname*> missing_;
};

/** Lists the members of `dir_fd` (the collection `rel`), descending for infinity. */
void list_members(int dir_fd, const std::string& rel, depth d, int level, propfind_writer& out,
                  const context& ctx, fs::walk_control& control) {
    if (level > fs::max_tree_depth) return;
    std::vector<std::string> subdirs;
    fs::for_each_entry(dir_fd, [&](const char* name, unsigned char) {
        if (control.stop_requested()) return false;
        std::string member = fs::join(rel, name);
        if (control.before_entry) control.before_entry(member);
        auto info = fs::stat_at(dir_fd, name);
        if (!info) return true; // gone meanwhile
        if (S_ISLNK(info->mode)) {
            // A symlink is listed as what it points to, and only if that stays beneath the root.
            info = ctx.tree.stat(member);
            if (!info) return true;
        } else if (info->is_directory() && d == depth::infinity) {
            subdirs.push_back(name);
        }
        if (info->type == fs::kind::other) return true;
        out.resource(member, *info, fs::xattr_target{dir_fd, name});
        if (control.entry_done) control.entry_done(member, info->is_directory());
        return true;
    });
    for (const auto& name : subdirs) {
        if (control.stop_requested()) return;
        int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        fs::unique_fd sub(fd);
        list_members(sub.get(), fs::join(rel, name), d, level + 1, out, ctx, control);
    }
}

} // namespace

outcome handle_propfind(const request& req, const context& ctx, const resource_path& path) {
    std::string what = "PROPFIND /" + path.rel;
    // RFC 4918 §9.1: no Depth header means infinity.
    auto d = parse_depth(req[http::field::depth], req.count(http::field::depth), depth::infinity);
    if (!d) return error_reply(http::status::bad_request, "Depth must be 0, 1 or infinity");
    if (*d == depth::infinity && !ctx.config.allow_propfind_infinity)
        return condition_reply(http::status::forbidden, "propfind-finite-depth", {});
    auto body = xml::parse_propfind(req.body());
    if (!body) return error_reply(http::status::bad_request, body.error().message);
    auto info = ctx.tree.stat(path.rel);
    if (!info) return error_reply(status_logged(info.error(), path_role::target, what));
    if (auto refused = check_preconditions(req.base(), ctx, path.rel, {})) return std::move(*refused);

    if (*d == depth::zero || !info->is_directory()) {
        spool out(ctx.config.spool_dir.string());
        propfind_writer writer(*body, ctx, out);
        fs::unique_fd holder;
        auto where = xattr_target_for(ctx, path.rel, holder);
        if (!where) return error_reply(status_logged(where.error(), path_role::target, what));
        writer.resource(path.rel, *info, *where);
        return writer.finish();
    }
    operation op;
    op.description = what + (*d == depth::one ? " (Depth 1)" : " (Depth infinity)");
    op.run = [ctx, rel = path.rel, d = *d, body = std::move(*body), info = *info, what](operation_context& oc) {
        auto dir = ctx.tree.open(rel, O_RDONLY | O_DIRECTORY);
        if (!dir) return error_reply(status_logged(dir.error(), path_role::target, what));
        auto control = make_walk_control(oc, ctx, 200);
        spool out(ctx.config.spool_dir.string());
        propfind_writer writer(body, ctx, out);
        writer.resource(rel, info, fs::xattr_target{dir->get(), ""});
        list_members(dir->get(), rel, d, 0, writer, ctx, control);
        return writer.finish();
    };
    return op;
}

} // namespace keepdav::dav
