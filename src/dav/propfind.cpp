#include "dav/methods.hpp"
#include "dav/lock_check.hpp"
#include "dav/properties.hpp"
#include "dav/spool.hpp"
#include "xml/request_bodies.hpp"

#include <boost/beast/http/field.hpp>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <span>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>

namespace keepdav::dav {

namespace {

const std::string ok_line = xml::status_line(200);
const std::string missing_line = xml::status_line(404);

/** Formats DAV:response elements for one PROPFIND body; one per thread. */
class response_formatter {
public:
    response_formatter(const xml::propfind_body& body, const context& ctx) : body_(body), ctx_(ctx) {}

    /** One resource: `where` locates its dead properties. */
    void resource(xml::multistatus_writer& out, std::string_view rel, const fs::entry_info& info,
                  const fs::xattr_target& where) {
        property_subject subject{rel, rel.substr(rel.rfind('/') + 1), info, ctx_};
        dead_.clear();
        if (auto stored = fs::read_properties(where)) dead_ = std::move(*stored);
        out.begin_response(href_for(rel, info.is_directory()));
        switch (body_.type) {
        case xml::propfind_body::kind::allprop:
            out.begin_propstat();
            for (const auto& p : live_properties())
                if ((p.in_allprop || wanted_too(p.name)) && p.applies(subject) && !dead(p.name)) p.write(out, p.name, subject);
            for (const auto& d : dead_) out.raw_property(d.value);
            out.end_propstat(ok_line);
            break;
        case xml::propfind_body::kind::propname:
            out.begin_propstat();
            for (const auto& p : live_properties())
                if (p.applies(subject) && !dead(p.name)) out.empty_property(p.name);
            for (const auto& d : dead_) out.empty_property(property_name(d.key));
            out.end_propstat(ok_line);
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
                if (!any_found) out.begin_propstat();
                any_found = true;
                if (stored)
                    out.raw_property(stored->value);
                else
                    live->write(out, name, subject);
            }
            if (any_found) out.end_propstat(ok_line);
            if (!missing_.empty()) {
                out.begin_propstat();
                for (auto* name : missing_) out.empty_property(*name);
                out.end_propstat(missing_line);
            }
            break;
        }
        }
        out.end_response();
    }

private:
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
    std::vector<fs::stored_property> dead_;
    std::vector<const xml::qname*> missing_;
};

/** Writes DAV:response elements into a spool, flushing the writer's buffer as it grows. */
class propfind_writer {
public:
    propfind_writer(const xml::propfind_body& body, const context& ctx, spool& out)
        : body_(body), ctx_(ctx), formatter_(body, ctx), out_(out) {
        writer_.open();
    }

    /** One resource: `where` locates its dead properties. */
    void resource(std::string_view rel, const fs::entry_info& info, const fs::xattr_target& where) {
        formatter_.resource(writer_, rel, info, where);
        if (writer_.data().size() >= 64 * 1024) flush();
    }

    /** DAV:response elements formatted elsewhere (by response_formatter). */
    void formatted(std::string_view responses) {
        writer_.data() += responses;
        if (writer_.data().size() >= 64 * 1024) flush();
    }

    const xml::propfind_body& body() const { return body_; }
    const context& ctx() const { return ctx_; }

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

    const xml::propfind_body& body_;
    const context& ctx_;
    response_formatter formatter_;
    spool& out_;
    xml::multistatus_writer writer_;
};

/** Stats one member of `dir_fd` and formats its DAV:response into `out`; whether to descend into it. */
bool list_one(int dir_fd, const std::string& rel, const std::string& name, depth d, const context& ctx,
              response_formatter& formatter, xml::multistatus_writer& out, fs::walk_control& control) {
    std::string member = fs::join(rel, name);
    if (control.before_entry) control.before_entry(member);
    auto info = fs::stat_at(dir_fd, name.c_str());
    if (!info) return false; // gone meanwhile
    bool descend = false;
    if (S_ISLNK(info->mode)) {
        // A symlink is listed as what it points to, and only if that stays beneath the root.
        info = ctx.tree.stat(member);
        if (!info) return false;
    } else {
        descend = info->is_directory() && d == depth::infinity;
    }
    if (info->type == fs::kind::other) return descend;
    formatter.resource(out, member, *info, fs::xattr_target{dir_fd, name.c_str()});
    if (control.entry_done) control.entry_done(member, info->is_directory());
    return descend;
}

/** Members formatted per round: bounds the memory the parallel formatting holds. */
constexpr std::size_t round_size = 4096;
/** Members per piece of work a thread claims. */
constexpr std::size_t piece_size = 256;
/** A round this small is formatted on the operation's own thread. */
constexpr std::size_t parallel_threshold = 1024;

/** Helper threads formatting PROPFIND rounds, across all requests: no more than the cores. */
std::atomic<unsigned> helpers_running{0};

/** Formats `names` (members of one collection) in order into `out`; `subdirs` gets those to descend into. */
void list_round(int dir_fd, const std::string& rel, std::span<const std::string> names, depth d,
                propfind_writer& out, fs::walk_control& control, std::vector<std::string>& subdirs) {
    const context& ctx = out.ctx();
    // stat and listxattr dominate a listing and scale with cores; the test seam (before_entry) wants
    // one entry at a time.
    unsigned helpers = 0;
    if (names.size() >= parallel_threshold && !control.before_entry) {
        unsigned budget = std::max(1u, std::thread::hardware_concurrency()) - 1;
        for (unsigned running = helpers_running.load(); running < budget && helpers < budget;) {
            if (helpers_running.compare_exchange_weak(running, running + 1)) ++helpers, ++running;
        }
    }
    struct piece {
        xml::multistatus_writer xml;
        std::vector<std::string> subdirs;
    };
    std::vector<piece> pieces((names.size() + piece_size - 1) / piece_size);
    std::atomic<std::size_t> next{0};
    std::mutex progress_mutex; // entry_done is called from every thread
    auto work = [&] {
        response_formatter formatter(out.body(), ctx);
        fs::walk_control local = control;
        if (helpers > 0 && control.entry_done)
            local.entry_done = [&](std::string_view member, bool collection) {
                std::lock_guard lock(progress_mutex);
                control.entry_done(member, collection);
            };
        for (std::size_t i; (i = next.fetch_add(1)) < pieces.size();) {
            auto end = std::min(names.size(), (i + 1) * piece_size);
            for (std::size_t k = i * piece_size; k < end && !control.stop_requested(); ++k) {
                if (list_one(dir_fd, rel, names[k], d, ctx, formatter, pieces[i].xml, local))
                    pieces[i].subdirs.push_back(names[k]);
            }
        }
    };
    {
        std::vector<std::jthread> threads;
        for (unsigned h = 0; h < helpers; ++h) threads.emplace_back(work);
        work();
    }
    helpers_running.fetch_sub(helpers);
    for (auto& p : pieces) {
        out.formatted(p.xml.data());
        for (auto& name : p.subdirs) subdirs.push_back(std::move(name));
    }
}

/** Lists the members of `dir_fd` (the collection `rel`), descending for infinity. */
void list_members(int dir_fd, const std::string& rel, depth d, int level, propfind_writer& out,
                  fs::walk_control& control) {
    if (level > fs::max_tree_depth) return;
    std::vector<std::string> names;
    fs::for_each_entry(dir_fd, [&](const char* name, unsigned char) {
        if (control.stop_requested()) return false;
        names.emplace_back(name);
        return true;
    });
    std::vector<std::string> subdirs;
    for (std::size_t begin = 0; begin < names.size() && !control.stop_requested(); begin += round_size) {
        auto count = std::min(round_size, names.size() - begin);
        list_round(dir_fd, rel, std::span<const std::string>(names).subspan(begin, count), d, out, control, subdirs);
    }
    names = {};
    for (const auto& name : subdirs) {
        if (control.stop_requested()) return;
        int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        fs::unique_fd sub(fd);
        list_members(sub.get(), fs::join(rel, name), d, level + 1, out, control);
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
        list_members(dir->get(), rel, d, 0, writer, control);
        return writer.finish();
    };
    return op;
}

} // namespace keepdav::dav
