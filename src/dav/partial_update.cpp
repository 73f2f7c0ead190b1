// Partial updates: PUT with Content-Range (RFC 9110 §14.5 lets an origin server apply it to the
// target; Apache's mod_dav does) and sabre/dav's PATCH with X-Update-Range
// (https://sabre.io/dav/http-patch/). The body arrives as any PUT's does, into a pending file; at
// commit, under the request's path claim, it is written over a copy of the target as the target is
// then (fs/patched_copy.hpp), and the copy renamed over it: a reader sees the old file or the new.
#include "dav/client_times.hpp"
#include "dav/methods.hpp"
#include "fs/open_file_cache.hpp"
#include "fs/patched_copy.hpp"
#include "fs/tree_ops.hpp"
#include "http/date.hpp"
#include "http/etag.hpp"
#include "http/text.hpp"
#include "log.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/beast/http/field.hpp>

#include <fcntl.h>

namespace keepdav::dav {

namespace {

constexpr std::string_view patch_media_type = "application/x-sabredav-partialupdate";

std::uint64_t span_length(const http_util::update_range& r) { return r.last - r.first + 1; }

/** RFC 9110 §15.5.17: a 416 says how long the file is, so the client can choose a range it can take. */
reply unsatisfiable(std::uint64_t size, std::string_view detail) {
    auto r = error_reply(http::status::range_not_satisfiable, detail);
    r.fields.set(http::field::content_range, "bytes */" + std::to_string(size));
    return r;
}

/** Everything the operation that commits a partial update needs, kept alive with it. */
struct commit_state {
    upload up;
    fs::unique_fd dir;
    std::string leaf;
    fs::unique_fd base; ///< the target as it was when the claim was granted; empty when it did not exist
    std::uint64_t offset = 0;
    std::string what;
};

reply commit_partial(commit_state& s, operation_progress& progress) {
    const auto& partial = *s.up.partial;
    // What a 102 reports: bytes copied of the file and the piece (a reflink copies none of the file).
    std::uint64_t base_size = 0;
    if (s.base)
        if (auto info = fs::stat_fd(s.base.get())) base_size = info->size;
    progress.add_totals(0, base_size + partial.length);
    auto patched = fs::patched_copy(s.dir.get(), s.leaf, s.base ? s.base.get() : -1, s.up.file->fd(), 0, s.offset,
                                    partial.length, [&progress](std::uint64_t n) { progress.add_bytes(n); });
    if (!patched) return error_reply(status_logged(patched.error(), path_role::target, s.what));
    if (s.up.client_mtime)
        if (auto ec = fs::set_times(patched->file.fd(), {std::nullopt, timespec{*s.up.client_mtime, 0}}))
            return error_reply(status_logged(ec, path_role::target, s.what + " (X-OC-Mtime)"));
    fs::open_file_cache::clear_all_soon();
    if (auto ec = patched->file.commit(true)) return error_reply(status_logged(ec, path_role::parent, s.what));
    log::debug(s.what + ": " + std::to_string(partial.length) + " bytes at " + std::to_string(s.offset) + ", " +
               (patched->method == fs::copy_method::reflink ? "reflinked"
                : patched->method == fs::copy_method::copy  ? "copied"
                                                             : "new file"));
    auto r = empty_reply(s.base ? http::status::no_content : http::status::created);
    if (s.up.client_mtime) r.fields.set(oc_mtime_reply_field, "accepted");
    // RFC 5789 §2: a PATCH's ETag names the patched resource. A PUT whose content was transformed
    // (merged into the old) must send no validator (RFC 9110 §9.3.4).
    if (partial.patch)
        if (auto info = fs::stat_fd(patched->file.fd())) {
            r.fields.set(http::field::etag, http_util::etag_for(info->inode, info->size, info->modified));
            r.fields.set(http::field::last_modified, http_util::format_http_date(info->modified.tv_sec));
        }
    return r;
}

} // namespace

std::optional<std::uint64_t> offset_in(const http_util::update_range& range, std::uint64_t size, std::uint64_t length) {
    using kind = http_util::update_range::kind;
    std::uint64_t offset = 0;
    switch (range.type) {
    case kind::span:
    case kind::from: offset = range.first; break;
    case kind::suffix:
        if (range.suffix > size) return std::nullopt;
        offset = size - range.suffix;
        break;
    case kind::append: offset = size; break;
    }
    // A start past the end would leave a gap: most likely an earlier piece that never arrived.
    // sabre/dav fills it with zero bytes; keepdav refuses it (README, "Partial updates").
    if (offset > size || length > UINT64_MAX - offset) return std::nullopt;
    return offset;
}

std::variant<partial_write, reply> partial_put_of(const request_header& head) {
    auto range = http_util::parse_content_range(head[http::field::content_range]);
    if (!range) return error_reply(http::status::bad_request, "Content-Range must be bytes FIRST-LAST/LENGTH or bytes FIRST-LAST/*");
    partial_write partial{*range, span_length(*range), false};
    // §14.5: the body is the range's content, no more and no less (a chunked body is measured at commit).
    if (head.count(http::field::content_length)) {
        auto declared = http_util::parse_decimal(head[http::field::content_length]);
        if (!declared || *declared != partial.length)
            return error_reply(http::status::bad_request, "Content-Length differs from the Content-Range's length");
    }
    return partial;
}

outcome handle_patch(const request& req, const context& ctx, const resource_path& path) {
    const request_header& head = req.base();
    // The checks and their statuses in sabre/dav's order (lib/DAV/PartialUpdate/Plugin.php, httpPatch).
    auto range = http_util::parse_x_update_range(head["X-Update-Range"]);
    if (!range) return error_reply(http::status::bad_request, "X-Update-Range must be bytes=FIRST-LAST, bytes=FIRST-, bytes=-N or append");
    auto type = head[http::field::content_type];
    type = http_util::trim_ows(type.substr(0, type.find(';')));
    if (!boost::algorithm::iequals(type, patch_media_type)) {
        // RFC 5789 §2.2: a patch document of an unsupported type is 415, with Accept-Patch.
        auto r = error_reply(http::status::unsupported_media_type, "PATCH takes " + std::string(patch_media_type));
        r.fields.set("Accept-Patch", patch_media_type);
        return r;
    }
    auto length = http_util::parse_decimal(head[http::field::content_length]);
    if (!length || *length == 0) return error_reply(http::status::length_required, "PATCH needs a Content-Length");
    if (range->type == http_util::update_range::kind::span &&
        (range->last < range->first || span_length(*range) != *length))
        return error_reply(http::status::range_not_satisfiable, "X-Update-Range differs from the Content-Length");
    return start_upload(req, ctx, path, partial_write{*range, *length, true});
}

std::optional<reply> refuse_partial(const partial_write& partial, const std::optional<fs::entry_info>& existing,
                                    const context& ctx, std::string_view what) {
    // sabre/dav patches only what exists (the tree's getNodeForPath answers 404); a PUT with
    // Content-Range from byte 0 may create the file, as Apache's does.
    if (partial.patch && !existing) return error_reply(http::status::not_found);
    std::uint64_t size = existing ? existing->size : 0;
    auto offset = offset_in(partial.range, size, partial.length);
    if (!offset) {
        log::info(std::string(what) + ": 416 (the range does not start within the file's " + std::to_string(size) + " bytes)");
        return unsatisfiable(size, "the range does not start within the file");
    }
    auto result_size = std::max(size, *offset + partial.length);
    if (ctx.config.max_put_bytes && result_size > ctx.config.max_put_bytes)
        return error_reply(http::status::payload_too_large,
                           "files are limited to " + std::to_string(ctx.config.max_put_bytes) + " bytes");
    return std::nullopt;
}

outcome finish_partial(upload& up, fs::parent_ref parent, const std::optional<fs::entry_info>& existing,
                       const context& ctx, std::string what) {
    auto refuse = [&](reply r) {
        up.file->discard();
        return r;
    };
    const auto& partial = *up.partial;
    auto written = fs::stat_fd(up.file->fd());
    if (!written) return refuse(error_reply(status_logged(written.error(), path_role::target, what)));
    if (written->size != partial.length) {
        log::info(what + ": 400 (" + std::to_string(written->size) + " body bytes for a range of " +
                  std::to_string(partial.length) + ")");
        return refuse(error_reply(http::status::bad_request, "the body's length differs from the range's"));
    }
    auto state = std::make_shared<commit_state>();
    std::optional<fs::entry_info> current;
    if (existing) {
        if (existing->type != fs::kind::file)
            return refuse(error_reply(http::status::method_not_allowed, "the target is not a file"));
        int fd = ::openat(parent.dir.get(), parent.leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return refuse(error_reply(status_logged(fs::last_error(), path_role::target, what)));
        state->base = fs::unique_fd(fd);
        auto info = fs::stat_fd(fd);
        if (!info) return refuse(error_reply(status_logged(info.error(), path_role::target, what)));
        current = *info;
    }
    // The file may have changed while the body arrived: the range applies to it as it is now.
    if (auto refused = refuse_partial(partial, current, ctx, what)) return refuse(std::move(*refused));
    state->offset = *offset_in(partial.range, current ? current->size : 0, partial.length);
    state->up = std::move(up);
    state->dir = std::move(parent.dir);
    state->leaf = std::move(parent.leaf);
    state->what = what;
    // Without shared extents the copy costs the whole file: on the file system pool, with 102s, the
    // path claim held until the new file is in place.
    operation op;
    op.description = std::move(what);
    op.finishes_without_client = true; // the body is in; a half-made copy would only be thrown away
    op.cancellable = false;
    op.run = [state](operation_context& oc) { return commit_partial(*state, oc.progress); };
    return op;
}

} // namespace keepdav::dav
