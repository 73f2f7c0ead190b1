#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "dav/properties.hpp"
#include "dav/spool.hpp"
#include "fs/walk.hpp"
#include "xml/request_bodies.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <span>
#include <thread>

namespace keepdav::dav {

namespace {

const std::string ok_line = status_line(http::status::ok);
const std::string missing_line = status_line(http::status::not_found);

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

/**
 * Stats one member of the directory `dir_fd` (the collection `rel`) and formats its DAV:response into
 * `out`; clears `m.enter` unless it is still a directory to go into.
 */
void list_one(int dir_fd, std::string_view rel, fs::walk_member& m, const context& ctx,
              response_formatter& formatter, xml::multistatus_writer& out, fs::walk_control& control) {
    std::string member = fs::join(rel, m.name);
    if (control.before_entry) control.before_entry(member);
    auto info = fs::stat_at(dir_fd, m.name.c_str());
    m.enter = m.enter && info && info->is_directory(); // gone or replaced since it was listed: not entered
    if (!info) return;
    if (info->is_symlink()) {
        // A symlink is listed as what it points to, and only if that stays beneath the root.
        info = ctx.tree.stat(member);
        if (!info) return;
    }
    if (info->type == fs::kind::other) return;
    formatter.resource(out, member, *info, fs::xattr_target{dir_fd, m.name});
    if (control.entry_done) control.entry_done(member, info->is_directory());
}

/** Members the walk hands over at once: bounds the memory the parallel formatting holds. */
constexpr std::size_t round_size = 4096;
/** Members per piece of work a thread claims. */
constexpr std::size_t piece_size = 256;
/** A round this small is formatted on the operation's own thread. */
constexpr std::size_t parallel_threshold = 1024;

/** Helpers reserved (at work, or posted and not yet ended) across all requests: at most the spare cores. */
std::atomic<unsigned> helpers_reserved{0};

/** Reserves up to `wanted` helpers within the budget; how many it got. */
unsigned reserve_helpers(unsigned wanted) {
    unsigned budget = std::max(1u, std::thread::hardware_concurrency()) - 1;
    unsigned got = 0;
    for (unsigned reserved = helpers_reserved.load(); reserved < budget && got < wanted;)
        if (helpers_reserved.compare_exchange_weak(reserved, reserved + 1)) ++got, ++reserved;
    return got;
}

/** Gives a reserved helper back when the job holding it is destroyed, whether it ran or not. */
struct helper_reservation {
    helper_reservation() = default;
    helper_reservation(const helper_reservation&) = delete;
    helper_reservation& operator=(const helper_reservation&) = delete;
    ~helper_reservation() { helpers_reserved.fetch_sub(1); }
};

/**
 * A round's work, shared with the helper jobs posted for it. The round ends when the operation's
 * thread has claimed every piece and no helper is inside `work`; a helper that starts later finds the
 * round closed and returns at once, so the operation never waits for a job the pool has yet to start
 * (a pool busy with other operations, or with this one, cannot deadlock it).
 */
struct shared_round {
    std::mutex mutex;
    std::condition_variable idle;
    unsigned working = 0;
    bool closed = false;
    std::function<void()> work;

    void help() {
        {
            std::lock_guard lock(mutex);
            if (closed) return;
            ++working;
        }
        work();
        {
            std::lock_guard lock(mutex);
            --working;
        }
        idle.notify_all();
    }
    void close() {
        std::unique_lock lock(mutex);
        closed = true;
        idle.wait(lock, [this] { return working == 0; });
        work = nullptr;
    }
};

/**
 * Formats one round of a collection's members (`dir`) in order into `out`. stat and listxattr dominate a
 * listing and scale with cores: a large round is shared with helpers from the server's pool.
 */
void list_round(const fs::walk_directory& dir, std::span<fs::walk_member> members, propfind_writer& out,
                fs::walk_control& control) {
    const context& ctx = out.ctx();
    std::vector<xml::multistatus_writer> pieces((members.size() + piece_size - 1) / piece_size);
    // The test seam (before_entry) wants one entry at a time.
    unsigned helpers = 0;
    if (members.size() >= parallel_threshold && !control.before_entry && ctx.run_on_spare_worker)
        helpers = reserve_helpers(static_cast<unsigned>(pieces.size() - 1));
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
            auto end = std::min(members.size(), (i + 1) * piece_size);
            for (std::size_t k = i * piece_size; k < end && !control.stop_requested(); ++k)
                list_one(dir.fd, dir.rel, members[k], ctx, formatter, pieces[i], local);
        }
    };
    if (helpers == 0) {
        work();
    } else {
        auto round = std::make_shared<shared_round>();
        round->work = work;
        for (unsigned h = 0; h < helpers; ++h)
            ctx.run_on_spare_worker(
                [round, reservation = std::make_shared<helper_reservation>()] { round->help(); });
        work();
        round->close();
    }
    for (auto& p : pieces) out.formatted(p.data());
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
        auto control = make_walk_control(oc, ctx, 200);
        spool out(ctx.config.spool_dir.string());
        propfind_writer writer(body, ctx, out);
        fs::walk_visitor visitor;
        visitor.enter = [&](const fs::walk_directory& dir) {
            if (dir.depth == 0) writer.resource(rel, info, fs::xattr_target{dir.fd, ""});
            return fs::walk_step::next;
        };
        visitor.members = [&](const fs::walk_directory& dir, std::span<fs::walk_member> members) {
            list_round(dir, members, writer, control);
            return fs::walk_step::next;
        };
        fs::walk_options options;
        options.max_depth = d == depth::one ? 1 : fs::max_tree_depth + 1;
        options.batch = round_size;
        options.stop = oc.stop;
        auto ec = fs::walk(ctx.tree, rel, options, visitor);
        // Stopped: the connection is gone, and what is answered is never sent.
        if (ec && ec != boost::system::errc::operation_canceled)
            return error_reply(status_logged(ec, path_role::target, what));
        return writer.finish();
    };
    return op;
}

} // namespace keepdav::dav
