#include "dav/resumable.hpp"

#include "fs/patched_copy.hpp"
#include "log.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav::resumable {

namespace {

constexpr std::string_view problem_base = "https://iana.org/assignments/http-problem-types#";

/** An RFC 9457 problem with the draft's type (§7) and, when given, its extension members (JSON text). */
reply problem(http::status status, std::string_view type, std::string_view title, std::string_view members = {}) {
    reply r = empty_reply(status);
    std::string body = "{\"type\":\"" + std::string(problem_base) + std::string(type) + "\",\"title\":\"" + std::string(title) + "\"";
    if (!members.empty()) body.append(",").append(members);
    body += "}\n";
    r.body = std::move(body);
    r.fields.set(http::field::content_type, "application/problem+json");
    return r;
}

reply inconsistent_length() {
    return problem(http::status::bad_request, "inconsistent-upload-length", "inconsistent length values for upload");
}

reply too_large(const limits& l) {
    reply r = error_reply(http::status::payload_too_large, "the upload is larger than the server takes");
    add_limits(r, l); // draft §4.1.4: a 413 for an upload limit names the limits
    return r;
}

void add_state(reply& r, const upload_state& s) {
    r.fields.set("Upload-Offset", std::to_string(s.offset));
    r.fields.set("Upload-Complete", s.complete ? "?1" : "?0");
    if (s.length) r.fields.set("Upload-Length", std::to_string(*s.length));
}

/** The length a request says the upload has (draft §4.1.3), or a refusal when its two ways disagree. */
std::variant<std::optional<std::uint64_t>, reply> declared_length(const http_util::upload_fields& f, std::uint64_t offset,
                                                                   std::optional<std::uint64_t> content_length,
                                                                   std::optional<std::uint64_t> known) {
    std::optional<std::uint64_t> length = f.length;
    if (f.complete == true && content_length) {
        auto implied = offset + *content_length;
        if (length && *length != implied) return inconsistent_length();
        length = implied;
    }
    if (known && length && *known != *length) return inconsistent_length();
    return length ? length : known;
}

} // namespace

void add_limits(reply& r, const limits& l) {
    auto value = http_util::upload_limit_value(l.max_size, l.max_age);
    if (!value.empty()) r.fields.set("Upload-Limit", value);
}

plan plan_creation(const http_util::upload_fields& f, std::optional<std::uint64_t> content_length, const limits& l) {
    plan p;
    auto length = declared_length(f, 0, content_length, std::nullopt);
    if (auto* refusal = std::get_if<reply>(&length)) return p.answer = std::move(*refusal), p;
    p.length = std::get<0>(length);
    if (l.max_size && p.length && *p.length > *l.max_size) return p.answer = too_large(l), p;
    p.completes = *f.complete;
    p.body_limit = p.length ? *p.length : l.max_size.value_or(UINT64_MAX);
    return p;
}

plan plan_on_resource(http::verb method, const http_util::upload_fields& f, std::string_view content_type,
                      std::optional<std::uint64_t> content_length, bool has_body, const upload_state& s, const limits& l) {
    plan p;
    switch (method) {
    case http::verb::head: {
        // §4.3.2: offset, completeness, length, limits; never cached.
        reply r = empty_reply(http::status::no_content);
        add_state(r, s);
        if (!s.complete) add_limits(r, l);
        r.fields.set(http::field::cache_control, "no-store");
        return p.answer = std::move(r), p;
    }
    case http::verb::delete_: // §4.5.2
        p.cancel = true;
        return p.answer = empty_reply(http::status::no_content), p;
    case http::verb::options: {
        reply r = empty_reply(http::status::no_content);
        r.fields.set(http::field::allow, "HEAD, PATCH, DELETE, OPTIONS");
        r.fields.set("Accept-Patch", "application/partial-upload");
        add_limits(r, l);
        return p.answer = std::move(r), p;
    }
    case http::verb::patch: break;
    default: {
        reply r = error_reply(http::status::method_not_allowed, "an upload resource takes HEAD, PATCH, DELETE and OPTIONS");
        r.fields.set(http::field::allow, "HEAD, PATCH, DELETE, OPTIONS");
        return p.answer = std::move(r), p;
    }
    }
    // §4.4: an append is a PATCH of application/partial-upload with Upload-Offset and Upload-Complete.
    if (!http_util::is_partial_upload(content_type))
        return p.answer = error_reply(http::status::unsupported_media_type, "an append is Content-Type: application/partial-upload"), p;
    if (!f.complete || !f.offset)
        return p.answer = error_reply(http::status::bad_request, "an append needs Upload-Offset and Upload-Complete"), p;
    if (s.complete) {
        // §4.4.2: a completed upload takes nothing more.
        if (has_body) return p.answer = inconsistent_length(), p;
        return p.answer = problem(http::status::gone, "completed-upload", "upload is already completed"), p;
    }
    if (*f.offset != s.offset) {
        reply r = problem(http::status::conflict, "mismatching-upload-offset", "offset from request does not match offset of resource",
                          "\"expected-offset\":" + std::to_string(s.offset) + ",\"provided-offset\":" + std::to_string(*f.offset));
        r.fields.set("Upload-Offset", std::to_string(s.offset)); // §4.4.2: MUST carry the right one
        return p.answer = std::move(r), p;
    }
    auto length = declared_length(f, s.offset, content_length, s.length);
    if (auto* refusal = std::get_if<reply>(&length)) return p.answer = std::move(*refusal), p;
    p.length = std::get<0>(length);
    if (l.max_size && p.length && *p.length > *l.max_size) return p.answer = too_large(l), p;
    if (p.length && content_length && s.offset + *content_length > *p.length) return p.answer = inconsistent_length(), p;
    p.completes = *f.complete;
    auto ceiling = p.length ? *p.length : l.max_size.value_or(UINT64_MAX);
    p.body_limit = ceiling > s.offset ? ceiling - s.offset : 0;
    if (content_length && *content_length > p.body_limit) return p.answer = too_large(l), p;
    return p;
}

reply appended(const upload_state& now, const limits& l, std::optional<std::string> location) {
    reply r = empty_reply(location ? http::status::created : http::status::no_content);
    if (location) r.fields.set(http::field::location, *location);
    add_state(r, now);
    add_limits(r, l);
    return r;
}

std::optional<reply> check_complete(const upload_state& now) {
    if (now.length && *now.length != now.offset) return inconsistent_length();
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> replayed_fields(const request_header& head) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::string_view name : {"Host", "If", "If-Match", "If-None-Match", "If-Unmodified-Since", "If-Modified-Since", "X-OC-Mtime"})
        if (auto value = head[name]; !value.empty()) out.emplace_back(name, value);
    return out;
}

operation commit(fs::upload_store& store, fs::upload_record record, const request_header& completing, context ctx) {
    operation op;
    op.description = "commit upload " + record.id + " -> " + record.target;
    // A commit half done would leave neither the upload nor the file: it finishes whoever leaves.
    op.finishes_without_client = true;
    op.cancellable = false;
    request put;
    put.method(http::verb::put);
    put.target(record.target);
    put.version(11);
    for (const auto& [name, value] : record.fields) put.set(name, value);
    // The completing request's own preconditions and lock tokens win over the creating one's.
    for (const auto& [name, value] : replayed_fields(completing))
        if (name != "Host") put.set(name, value);
    ctx.open_files = nullptr; // the calling I/O thread's: not for the pool
    op.run = [&store, record = std::move(record), put = std::move(put), ctx = std::move(ctx)](operation_context& oc) mutable -> reply {
        auto finish = [&](reply r, bool done) {
            if (done) {
                if (auto ec = store.mark_complete(record)) log::error("upload " + record.id + ": " + ec.message());
            }
            r.fields.set("Upload-Complete", done ? "?1" : "?0");
            // Clients that count on the offset in every append's response (tus-js-client) find it here too.
            if (done && record.length) r.fields.set("Upload-Offset", std::to_string(*record.length));
            return r;
        };
        auto data = store.open_data(record.id, false);
        if (!data) return finish(error_reply(http::status::internal_server_error, "the upload's bytes are gone"), false);
        auto size = store.offset(record.id);
        if (!size) return finish(error_reply(http::status::internal_server_error, "the upload's bytes are gone"), false);
        put.content_length(*size);
        oc.progress.add_totals(1, *size);
        auto started = handle(put, ctx);
        if (auto* refusal = std::get_if<reply>(&started)) {
            bool server_side = static_cast<unsigned>(refusal->status) >= 500;
            return finish(std::move(*refusal), !server_side);
        }
        auto* up = std::get_if<upload>(&started);
        if (!up) return finish(error_reply(http::status::internal_server_error, "not a PUT"), false);
        if (!up->discard) {
            // Shared extents where the state directory and the tree share a file system that can.
            auto copied = fs::clone_contents(data->get(), up->file->fd(), [&](std::uint64_t n) { oc.progress.add_bytes(n); });
            if (!copied) return finish(upload_failure_reply(copied.error(), "commit upload " + record.id), false);
        }
        auto finished = finish_put(*up, put.base(), ctx);
        auto* committed = std::get_if<reply>(&finished); // a whole PUT: never a partial update's operation
        if (!committed) return finish(error_reply(http::status::internal_server_error, "not a whole PUT"), false);
        auto r = std::move(*committed);
        bool server_side = static_cast<unsigned>(r.status) >= 500;
        return finish(std::move(r), !server_side);
    };
    return op;
}

} // namespace keepdav::dav::resumable
