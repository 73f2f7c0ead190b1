#include "dav/collection_index.hpp"
#include "dav/davmount.hpp"
#include "dav/index_page.hpp"
#include "dav/os_litter.hpp"
#include "dav/status.hpp"
#include "fs/walk.hpp"

#include <boost/beast/http/field.hpp>

#include <fcntl.h>

namespace keepdav::dav {

namespace {

/** Pushes what it collects into the pipe in pieces of 64 KiB; false once nobody takes them. */
class page_writer {
public:
    page_writer(body_pipe& pipe, std::stop_token stop) : pipe_(pipe), stop_(std::move(stop)) {}
    std::string& text() { return text_; }
    bool flush_if_due() { return text_.size() < 64 * 1024 || flush(); }
    bool flush() {
        if (text_.empty()) return wanted_;
        if (wanted_) wanted_ = pipe_.push(std::move(text_), stop_);
        text_.clear();
        return wanted_;
    }

private:
    body_pipe& pipe_;
    std::stop_token stop_;
    std::string text_;
    bool wanted_ = true;
};

struct index_job {
    context ctx;
    std::string rel;
    index_order order;
    std::shared_ptr<fs::unique_fd> dir; ///< the collection, opened before the 200 went out
};

/** A member as the index shows it; nothing when it is gone, not a file or directory, or a link out. */
std::optional<index_entry> entry_for(const context& ctx, int dir_fd, std::string_view rel, const fs::walk_member& m) {
    auto info = fs::stat_at(dir_fd, m.name.c_str());
    if (info && info->is_symlink()) info = ctx.tree.stat(fs::join(rel, m.name)); // shown as what it points to, if inside
    if (!info || info->type == fs::kind::other) return std::nullopt;
    return index_entry{m.name, info->is_directory(), info->size, info->modified.tv_sec};
}

/**
 * Walks the collection and streams its page into `pipe`. Up to index_sort_limit members are held and
 * sorted; past that the rows go out as the directory is read, so memory stays bounded whatever its size.
 * The 200 is on its way: a collection that cannot be read ends the body incomplete (pipe.fail()).
 */
void stream_index(const index_job& job, body_pipe& pipe, std::stop_token stop) {
    const context& ctx = job.ctx;
    page_writer out(pipe, stop);
    const std::string& prefix = ctx.config.path_prefix; // --prefix: every link is under it
    std::string title = prefix + "/" + job.rel + (job.rel.empty() ? "" : "/");
    auto slash = job.rel.rfind('/');
    std::string parent =
        job.rel.empty() ? "" : href_for(slash == std::string::npos ? "" : job.rel.substr(0, slash), true, prefix);
    out.text() = index_head(title, href_for(job.rel, true, prefix), parent, job.order);
    if (!out.flush()) return pipe.fail();
    std::vector<index_entry> held;
    bool streaming = false;
    std::size_t count = 0;
    auto emit = [&](const index_entry& e) {
        append_index_row(out.text(), e, href_for(fs::join(job.rel, e.name), e.collection, prefix));
        return out.flush_if_due();
    };
    fs::error_code unreadable;
    fs::walk_visitor visitor;
    visitor.members = [&](const fs::walk_directory& dir, std::span<fs::walk_member> members) {
        for (auto& m : members) {
            if (stop.stop_requested()) return fs::walk_step::stop;
            if (ctx.config.hide_os_litter && is_os_litter(m.name)) continue;
            auto e = entry_for(ctx, dir.fd, job.rel, m);
            if (!e) continue;
            ++count;
            if (!streaming && held.size() < index_sort_limit) {
                held.push_back(std::move(*e));
                continue;
            }
            if (!streaming) {
                streaming = true;
                for (const auto& h : held)
                    if (!emit(h)) return fs::walk_step::stop;
                held = {};
            }
            if (!emit(*e)) return fs::walk_step::stop;
        }
        return fs::walk_step::next;
    };
    visitor.failed = [&](const fs::walk_entry&, fs::error_code ec) {
        status_logged(ec, path_role::target, "GET index /" + job.rel);
        unreadable = ec;
        return fs::walk_step::stop;
    };
    fs::walk_options options;
    options.max_depth = 1;
    options.stop = stop;
    auto ec = fs::walk(job.dir->get(), job.rel, options, visitor);
    if (ec || unreadable || !out.flush()) return pipe.fail();
    if (!streaming) {
        sort_index(held, job.order);
        for (const auto& h : held)
            if (!emit(h)) return pipe.fail();
    }
    out.text() += index_tail(count, !streaming, index_sort_limit);
    if (out.flush()) pipe.finish();
    else pipe.fail();
}

/** The headers every index carries, GET or HEAD. */
void set_index_fields(reply& r) {
    r.fields.set(http::field::content_type, "text/html; charset=utf-8");
    r.fields.set("Content-Security-Policy", index_content_security_policy());
    r.fields.set("X-Content-Type-Options", "nosniff");
    r.fields.set("Referrer-Policy", "no-referrer");
    // The page shows the members' sizes and dates, which change without the collection's own mtime
    // changing: it has no validator that would be honest, so caches must ask again each time.
    r.fields.set(http::field::cache_control, "no-cache");
}

} // namespace

std::string_view query_of(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

reply davmount_reply(const request& req, const context& ctx, std::string_view collection_rel, std::string_view open) {
    std::string url = ctx.tls ? "https://" : "http://";
    url += host_of(req.base(), ctx);
    url += href_for(collection_rel, true, ctx.config.path_prefix);
    reply r;
    r.fields.set(http::field::content_type, davmount_media_type);
    r.fields.set(http::field::cache_control, "no-cache");
    r.body = davmount_document(url, open);
    return r;
}

outcome collection_get(const request& req, const context& ctx, const resource_path& path) {
    auto query = query_of(req.target());
    if (asks_for_davmount(query)) return davmount_reply(req, ctx, path.rel, {});
    reply r;
    set_index_fields(r);
    // RFC 9110 §9.3.2: HEAD may leave out what only producing the content would tell (its length).
    if (req.method() == http::verb::head) {
        r.chunked = true; // its length is known only once it is made: HEAD says none
        return r;
    }
    auto dir = ctx.tree.open(path.rel, O_RDONLY | O_DIRECTORY);
    if (!dir) return error_reply(status_logged(dir.error(), path_role::target, "GET /" + path.rel));
    index_job job{ctx, path.rel, parse_index_order(query), std::make_shared<fs::unique_fd>(std::move(*dir))};
    r.body = streamed_body{std::make_shared<body_pipe>(body_pipe::default_capacity, ctx.config.spool_dir.string()),
                           [job = std::move(job)](body_pipe& pipe, std::stop_token stop) { stream_index(job, pipe, stop); }};
    return r;
}

} // namespace keepdav::dav
