#include "dav/methods.hpp"
#include "dav/os_litter.hpp"
#include "dav/preconditions.hpp"
#include "dav/properties.hpp"
#include "dav/spool.hpp"
#include "dav/access_rules.hpp"
#include "fs/property_cache.hpp"
#include "fs/walk.hpp"
#include "xml/request_bodies.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>
#include <thread>

#include <fcntl.h>

namespace keepdav::dav {

namespace {

const std::string ok_line = status_line(http::status::ok);
const std::string missing_line = status_line(http::status::not_found);

/** Formats DAV:response elements for one PROPFIND body; one per thread. */
class response_formatter {
public:
    response_formatter(const xml::propfind_body& body, const context& ctx) : body_(body), ctx_(ctx) {
        if (body.type != xml::propfind_body::kind::prop) return;
        for (const auto& name : body.props) {
            auto* live = find_live_property(name);
            if (!live || live->writable) dead_keys_.push_back(property_key(name));
        }
    }

    /**
     * One resource: `where` locates its dead properties. `info_is_where`: `info` is a stat of the entry
     * at `where` itself, not of what a symlink there points to, so its properties may come from the cache.
     */
    void resource(xml::multistatus_writer& out, std::string_view rel, const fs::entry_info& info,
                  const fs::xattr_target& where, bool info_is_where) {
        property_subject subject{rel, rel.substr(rel.rfind('/') + 1), info, ctx_};
        read_dead_properties(where, info_is_where ? &info : nullptr);
        out.begin_response(href_for(rel, info.is_directory(), ctx_.config.path_prefix));
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
    /**
     * Asks the file system only for what the body names: allprop and propname need every dead
     * property (RFC 4918 §9.1), a prop list only those it names that can be dead (any name but a
     * protected live property): none, and the file's attributes are not read at all; one or two,
     * one getxattr each; more, one listxattr (and a getxattr per stored property). With the server's
     * property cache and a stat of the entry (`info`), a file unchanged since it was last read costs
     * no call at all (fs/property_cache.hpp), which is what makes a listing that names
     * DAV:displayname as cheap as one that does not.
     */
    void read_dead_properties(const fs::xattr_target& where, const fs::entry_info* info) {
        dead_.clear();
        if (body_.type == xml::propfind_body::kind::prop && dead_keys_.empty()) return;
        if (ctx_.properties && info) {
            if (auto stored = ctx_.properties->read(where, *info)) dead_ = std::move(*stored);
            return;
        }
        if (body_.type != xml::propfind_body::kind::prop || dead_keys_.size() > 2) {
            if (auto stored = fs::read_properties(where)) dead_ = std::move(*stored);
            return;
        }
        for (const auto& key : dead_keys_)
            if (auto value = fs::read_property(where, key); value && *value) dead_.push_back({key, std::move(**value)});
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
    std::vector<std::string> dead_keys_; ///< for a prop list: the keys of the names it asks for that can be dead
    std::vector<fs::stored_property> dead_;
    std::vector<const xml::qname*> missing_;
};

/** Where a PROPFIND body goes: it takes `bytes` (leaving them empty); false once nobody wants more. */
using body_output = std::function<bool(std::string& bytes)>;

/**
 * Writes DAV:response elements into `out` in pieces: at 64 KiB, and at least once a second while
 * something is buffered, so a slow walk still sends body bytes that keep clients and proxies waiting.
 */
class propfind_writer {
public:
    propfind_writer(const xml::propfind_body& body, const context& ctx, body_output out)
        : body_(body), ctx_(ctx), formatter_(body, ctx), out_(std::move(out)) {
        writer_.open();
    }

    /** One resource: `where` locates its dead properties. */
    void resource(std::string_view rel, const fs::entry_info& info, const fs::xattr_target& where, bool info_is_where) {
        formatter_.resource(writer_, rel, info, where, info_is_where);
        flush_if_due();
    }

    /** DAV:response elements formatted elsewhere (by response_formatter). */
    void formatted(std::string_view responses) {
        writer_.data() += responses;
        flush_if_due();
    }

    /** Whether the one reading the body still wants it. */
    bool wanted() const { return wanted_; }

    const xml::propfind_body& body() const { return body_; }
    const context& ctx() const { return ctx_; }

    /** The closing tag, and everything still buffered; false if nobody took it. */
    bool finish() {
        writer_.close();
        flush();
        return wanted_;
    }

private:
    static constexpr std::size_t flush_size = 64 * 1024;
    static constexpr auto flush_interval = std::chrono::seconds(1);

    void flush_if_due() {
        auto& data = writer_.data();
        if (data.size() >= flush_size || (!data.empty() && std::chrono::steady_clock::now() - flushed_ >= flush_interval))
            flush();
    }
    void flush() {
        if (wanted_) wanted_ = out_(writer_.data());
        writer_.data().clear();
        flushed_ = std::chrono::steady_clock::now();
    }

    const xml::propfind_body& body_;
    const context& ctx_;
    response_formatter formatter_;
    body_output out_;
    xml::multistatus_writer writer_;
    bool wanted_ = true;
    std::chrono::steady_clock::time_point flushed_ = std::chrono::steady_clock::now();
};

/**
 * Stats one member of the directory `dir_fd` (the collection `rel`) and formats its DAV:response into
 * `out`; clears `m.enter` unless it is still a directory to go into. A member gone since it was listed
 * is left out (it no longer exists); one that cannot be stat'ed for another reason (EIO, EACCES) is
 * reported with its status (RFC 4918 §14.24: a DAV:response may carry a DAV:status instead of
 * propstats), so the listing never hides it.
 */
void list_one(int dir_fd, std::string_view rel, fs::walk_member& m, const context& ctx,
              response_formatter& formatter, xml::multistatus_writer& out, fs::walk_control& control) {
    if (ctx.config.hide_os_litter && is_os_litter(m.name)) {
        m.enter = false; // never listed, nothing below it either
        return;
    }
    std::string member = fs::join(rel, m.name);
    // What the user may not see is not listed, nor entered (README, "Users and permissions").
    if (ctx.access && ctx.access->at(member) == access_level::none) {
        m.enter = false;
        return;
    }
    if (control.before_entry) control.before_entry(member);
    auto info = fs::stat_at(dir_fd, m.name.c_str());
    m.enter = m.enter && info && info->is_directory(); // gone or replaced since it was listed: not entered
    if (!info) {
        if (info.error() != boost::system::errc::no_such_file_or_directory)
            out.response_status(href_for(member, m.type == fs::entry_type::directory, ctx.config.path_prefix),
                                status_line(status_logged(info.error(), path_role::target, "PROPFIND member /" + member)));
        return;
    }
    bool followed = info->is_symlink();
    if (followed) {
        // A symlink is listed as what it points to, and only if that stays beneath the root.
        info = ctx.tree.stat(member);
        if (!info) return;
    }
    if (info->type == fs::kind::other) return;
    formatter.resource(out, member, *info, fs::xattr_target{dir_fd, m.name}, !followed);
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

/** What a streamed listing needs once its request has been answered with 207. */
struct listing {
    context ctx;
    std::string rel;
    depth d;
    xml::propfind_body body;
    std::shared_ptr<fs::unique_fd> dir; ///< the collection, opened before the 207 went out
    std::string what;                   ///< for logs: "PROPFIND /a/ (Depth 1)"
};

/**
 * Walks the collection and writes its 207 body into `pipe`, waiting while the pipe is full (a slow
 * client slows the walk, and memory stays bounded). The header is already on its way, so an error
 * can no longer change the status: a member that cannot be listed is reported in the body where it
 * can be (list_one), and anything that would leave the listing silently short (the collection or a
 * member collection that cannot be read) ends the body incomplete (pipe.fail()), never well-formed.
 */
void stream_listing(const listing& job, body_pipe& pipe, std::stop_token stop) {
    const context& ctx = job.ctx;
    operation_progress progress;
    operation_context oc{stop, progress};
    auto control = make_walk_control(oc, ctx, 200);
    control.entry_done = nullptr; // no one reads the progress of a listing that sends no 102 (and it costs a lock per member)
    propfind_writer writer(job.body, ctx, [&pipe, stop](std::string& bytes) { return pipe.push(std::move(bytes), stop); });
    boost::system::error_code unreadable;
    fs::walk_visitor visitor;
    visitor.enter = [&](const fs::walk_directory& dir) {
        if (dir.depth == 0) writer.resource(job.rel, dir.info, fs::xattr_target{dir.fd, ""}, true);
        return writer.wanted() ? fs::walk_step::next : fs::walk_step::stop;
    };
    visitor.members = [&](const fs::walk_directory& dir, std::span<fs::walk_member> members) {
        list_round(dir, members, writer, control);
        return writer.wanted() ? fs::walk_step::next : fs::walk_step::stop;
    };
    visitor.failed = [&](const fs::walk_entry& entry, boost::system::error_code ec) {
        // A member collection removed since it was listed has no members to list: that is the truth.
        if (entry.depth > 0 && ec == boost::system::errc::no_such_file_or_directory) return fs::walk_step::next;
        status_logged(ec, path_role::target, job.what + ": cannot list /" + std::string(entry.rel));
        unreadable = ec;
        return fs::walk_step::stop;
    };
    fs::walk_options options;
    options.max_depth = job.d == depth::one ? 1 : fs::max_tree_depth + 1;
    options.batch = round_size;
    options.stop = stop;
    auto ec = fs::walk(job.dir->get(), job.rel, options, visitor);
    if (ec || unreadable || !writer.wanted()) return pipe.fail();
    if (writer.finish()) pipe.finish();
}

} // namespace

namespace {

bool asks_lockdiscovery(const xml::propfind_body& body) {
    if (body.type == xml::propfind_body::kind::allprop) return true;
    if (body.type != xml::propfind_body::kind::prop) return false;
    return std::any_of(body.props.begin(), body.props.end(),
                       [](const xml::qname& n) { return n.ns == "DAV:" && n.local == "lockdiscovery"; });
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
    // DAV:lockdiscovery needs the lock table: when it is out of reach (a cluster's database), the
    // request gets its 503 now (store_unavailable, dav/router.cpp) rather than a 207 cut short or one
    // that says "no locks" untruly. A PROPFIND that does not ask for it goes on.
    if (ctx.locks && asks_lockdiscovery(*body)) ctx.locks->covering(path.rel, locks::clock::now());

    if (*d == depth::zero || !info->is_directory()) {
        spool out(ctx.config.spool_dir.string());
        propfind_writer writer(*body, ctx, [&out](std::string& bytes) {
            out.write(bytes);
            return true;
        });
        fs::unique_fd holder;
        auto where = xattr_target_for(ctx, path.rel, holder);
        if (!where) return error_reply(status_logged(where.error(), path_role::target, what));
        writer.resource(path.rel, *info, *where, false); // info followed a symlink at the path, where did not
        writer.finish();
        return multistatus_reply(out);
    }
    // RFC 4918 §9.1: the status is known once the target resolves. Whatever can still refuse the
    // request is checked here, the collection opened included; the 207 then goes out at once and its
    // body follows as the walk produces it.
    auto dir = ctx.tree.open(path.rel, O_RDONLY | O_DIRECTORY);
    if (!dir) return error_reply(status_logged(dir.error(), path_role::target, what));
    listing job{ctx, path.rel, *d, std::move(*body), std::make_shared<fs::unique_fd>(std::move(*dir)),
                what + (*d == depth::one ? " (Depth 1)" : " (Depth infinity)")};
    reply r;
    r.status = http::status::multi_status;
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    // A client slower than the walk holds disk in the spool directory, not the worker.
    r.body = streamed_body{std::make_shared<body_pipe>(body_pipe::default_capacity, ctx.config.spool_dir.string()),
                           [job = std::move(job)](body_pipe& pipe, std::stop_token stop) { stream_listing(job, pipe, stop); }};
    return r;
}

} // namespace keepdav::dav
