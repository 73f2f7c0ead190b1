#include "server/resumable_exchange.hpp"

#include "dav/target.hpp"
#include "log.hpp"
#include "server/session.hpp"

#include <boost/beast/core/string.hpp>

#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::server {

class upload_registry::lease {
public:
    lease(upload_registry& r, std::string id) : registry_(r), id_(std::move(id)) {}
    ~lease() { registry_.release(id_); }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;

private:
    upload_registry& registry_;
    std::string id_;
};

std::optional<std::string> upload_id_of(std::string_view target, std::string_view prefix) {
    return dav::namespace_member(target, prefix, upload_namespace);
}

bool is_resumable(const dav::request_header& head, std::string_view prefix) {
    if (upload_id_of(head.target(), prefix)) return true;
    bool writes = head.method() == http::verb::put || head.method() == http::verb::post;
    return writes && http_util::upload_fields_of(head).complete.has_value();
}

std::shared_ptr<upload_registry::lease> upload_registry::take(const std::string& id, std::weak_ptr<session_base> holder) {
    std::shared_ptr<session_base> previous;
    {
        std::lock_guard guard(mutex_);
        auto [it, fresh] = held_.try_emplace(id, holder);
        if (fresh) return std::make_shared<lease>(*this, id);
        previous = it->second.lock();
    }
    // §4.6: the request still holding it is one its client gave up on: it ends, and frees the upload.
    if (previous) abort_session(previous);
    return nullptr;
}

void upload_registry::release(const std::string& id) {
    std::lock_guard guard(mutex_);
    held_.erase(id);
}

resumable_request::start resumable_request::begin(const dav::request_header& head, const dav::context& ctx, resumable_uploads& uploads,
                                                  std::string user, std::string base, std::weak_ptr<session_base> holder) {
    auto fields = http_util::upload_fields_of(head);
    auto content_length = [&]() -> std::optional<std::uint64_t> {
        auto value = head[http::field::content_length];
        if (value.empty()) return head[http::field::transfer_encoding].empty() ? std::optional<std::uint64_t>(0) : std::nullopt;
        return http_util::sf_count(value);
    }();
    resumable_request r;
    r.uploads_ = &uploads;
    r.speaks_draft_ = fields.interop == dav::resumable::interop_version;
    if (auto id = upload_id_of(head.target(), ctx.config.path_prefix)) {
        auto record = uploads.store.find(*id);
        // Another user's upload is as unknown as one that never was.
        if (!record || record->owner != user) return dav::error_reply(http::status::not_found);
        r.lease_ = uploads.registry.take(*id, std::move(holder));
        if (!r.lease_) return busy{};
        r.record_ = std::move(*record);
        bool has_body = content_length != std::optional<std::uint64_t>(0);
        r.plan_ = dav::resumable::plan_on_resource(head.method(), fields, head[http::field::content_type], content_length, has_body,
                                                   r.state_now(), r.limits());
        if (r.plan_.answer) {
            if (r.plan_.cancel) uploads.store.remove(r.record_.id);
            return std::move(*r.plan_.answer);
        }
    } else {
        if (!is_resumable(head, ctx.config.path_prefix)) return std::monostate{};
        // The target must take this PUT now (the same checks as any PUT); its file is made at the commit.
        // A POST (which WebDAV leaves undefined for a file) with Upload-Complete is taken as that PUT:
        // the draft lets any method carry an upload (§4.2.1), and its clients create uploads with POST.
        dav::request put(head);
        put.method(http::verb::put);
        auto checked = dav::handle(put, ctx);
        if (auto* refusal = std::get_if<dav::reply>(&checked)) return std::move(*refusal);
        r.plan_ = dav::resumable::plan_creation(fields, content_length, {uploads.max_put_bytes ? std::optional(uploads.max_put_bytes) : std::nullopt,
                                                                         static_cast<std::uint64_t>(uploads.store.expiry().count())});
        if (r.plan_.answer) return std::move(*r.plan_.answer);
        auto made = uploads.store.create({{}, std::move(user), std::string(head.target()), dav::resumable::replayed_fields(head), r.plan_.length});
        if (!made) {
            log::error("creating an upload in the state directory failed: " + made.error().message());
            return dav::error_reply(http::status::insufficient_storage, "no room for the upload");
        }
        r.record_ = std::move(*made);
        r.lease_ = uploads.registry.take(r.record_.id, std::move(holder));
        r.location_ = base + "/" + std::string(upload_namespace) + "/" + r.record_.id;
    }
    auto data = uploads.store.open_data(r.record_.id, true);
    if (!data) return dav::error_reply(http::status::internal_server_error, "the upload's bytes are gone");
    r.data_ = std::move(*data);
    return r;
}

resumable_request::~resumable_request() {
    if (data_) ::fdatasync(data_.get());
}

std::chrono::steady_clock::duration resumable_request::read_time_left(std::chrono::steady_clock::duration body_timeout) {
    auto now = std::chrono::steady_clock::now();
    struct stat st {};
    if (::fstat(data_.get(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) != last_size_) {
        last_size_ = static_cast<std::uint64_t>(st.st_size);
        last_growth_ = now;
    }
    return std::max<std::chrono::steady_clock::duration>(last_growth_ + body_timeout - now, std::chrono::milliseconds(1));
}

dav::resumable::upload_state resumable_request::state_now() const {
    // A completed upload's bytes are gone: its offset is its length.
    auto offset = record_.complete ? fs::result<std::uint64_t>(record_.length.value_or(0)) : uploads_->store.offset(record_.id);
    return {offset ? *offset : 0, record_.complete, record_.length ? record_.length : plan_.length};
}

dav::resumable::limits resumable_request::limits() const {
    std::optional<std::uint64_t> max_size;
    if (uploads_->max_put_bytes) max_size = uploads_->max_put_bytes;
    return {max_size, record_.id.empty() ? 0 : uploads_->store.seconds_left(record_.id)};
}

std::vector<locks::path_claim> resumable_request::claims(bool tls, std::string_view host, std::string_view prefix) const {
    dav::request_header commit;
    commit.method(http::verb::put);
    commit.target(record_.target);
    return dav::claims_for(commit, tls, host, prefix);
}

interim_schedule::settings resumable_request::interims(interim_schedule::settings policy, const dav::request_header& head) const {
    // Draft appendix: no 104 to a client that does not name our interop version.
    if (!speaks_draft_) policy.enabled = false;
    // The schedule writes the 100 (RFC 9110 §10.1.1) before its first 104, so no two writes overlap.
    policy.unasked_continue = policy.enabled && head.version() >= 11 && beast::iequals(head[http::field::expect], "100-continue");
    policy.after = {}; // the first 104 at once: it is what lets the client resume (§4.2.2)
    policy.status = 104;
    return policy;
}

http::response<http::empty_body> resumable_request::interim() {
    http::response<http::empty_body> r;
    r.version(11);
    r.result(104);
    r.reason("Upload Resumption Supported");
    r.set("Upload-Draft-Interop-Version", std::to_string(dav::resumable::interop_version));
    if (interims_sent_++ == 0 && location_) {
        r.set(http::field::location, *location_);
        auto limit = http_util::upload_limit_value(limits().max_size, limits().max_age);
        if (!limit.empty()) r.set("Upload-Limit", limit);
    } else {
        // §4.4.2: progress 104s carry the offset, and no Location.
        struct stat st {};
        if (::fstat(data_.get(), &st) == 0) r.set("Upload-Offset", std::to_string(st.st_size));
    }
    return r;
}

dav::outcome resumable_request::finish(const dav::request_header& head, const dav::context& ctx) {
    // What a response reports as processed must survive a crash (§4.1.1: the offset never decreases).
    ::fdatasync(data_.get());
    data_.reset();
    if (plan_.length && plan_.length != record_.length) {
        record_.length = plan_.length;
        if (auto ec = uploads_->store.save(record_)) log::error("upload " + record_.id + ": " + ec.message());
    }
    auto now = state_now();
    if (!plan_.completes) return dav::resumable::appended(now, limits(), location_);
    if (auto refused = dav::resumable::check_complete(now)) return std::move(*refused);
    auto op = dav::resumable::commit(uploads_->store, record_, head, ctx);
    // The upload stays this request's until the commit ends.
    op.run = [run = std::move(op.run), lease = lease_](dav::operation_context& oc) { return run(oc); };
    return op;
}

} // namespace keepdav::server
