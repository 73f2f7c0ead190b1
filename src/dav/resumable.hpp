#pragma once
// Resumable uploads (draft-ietf-httpbis-resumable-upload-15) without a socket: what a request that
// creates an upload, or one to an upload resource (HEAD, PATCH, DELETE, OPTIONS), comes to, given the
// upload's stored state; and the commit of a finished upload, which is a PUT of its bytes, refused
// or accepted by the same checks as any PUT (finish_put), at the time of the commit (draft §9: TOCTOU).
#include "dav/handler.hpp"
#include "fs/upload_store.hpp"
#include "http/upload_fields.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace keepdav::dav::resumable {

/**
 * The interop version of the draft this server speaks (draft Appendix "Draft Version
 * Identification"): a 104 goes only to a request that names it, and carries it.
 */
constexpr std::uint64_t interop_version = 8;

/** The server's limits for every upload (draft §4.1.4). */
struct limits {
    std::optional<std::uint64_t> max_size; ///< --max-put-size, when set
    std::uint64_t max_age = 0;             ///< seconds the upload has left if untouched
};

/** The Upload-Limit field of `l`, on `r`, when any limit applies. */
void add_limits(reply& r, const limits& l);

/** An upload's state as stored (draft §4.1). */
struct upload_state {
    std::uint64_t offset = 0;
    bool complete = false;
    std::optional<std::uint64_t> length;
};

/** What to do with a request: answer it now, or take its body into the upload. */
struct plan {
    std::optional<reply> answer;          ///< answer now (nothing taken)
    bool cancel = false;                  ///< with the answer: the upload is forgotten (DELETE)
    std::uint64_t body_limit = 0;         ///< the most body bytes this request may add (when taking it)
    bool completes = false;               ///< Upload-Complete: ?1
    std::optional<std::uint64_t> length;  ///< the upload's length, to record
};

/**
 * A request with Upload-Complete to a resource that takes PUT (draft §4.2): a refusal when its
 * lengths disagree or exceed the limits, else the body is taken. `content_length` is absent for a
 * chunked body.
 */
plan plan_creation(const http_util::upload_fields& f, std::optional<std::uint64_t> content_length, const limits& l);

/**
 * A request to an upload resource (draft §4.3 offset retrieval, §4.4 append, §4.5 cancellation).
 * `content_type` and `content_length` are the request's; `has_body` whether it carries any.
 */
plan plan_on_resource(http::verb method, const http_util::upload_fields& f, std::string_view content_type,
                      std::optional<std::uint64_t> content_length, bool has_body, const upload_state& s, const limits& l);

/**
 * Once a request's body is in without completing the upload: 201 with the upload resource's
 * `location` for a creation (draft §4.2.2), 204 for an append (§4.4.2), with the new offset.
 */
reply appended(const upload_state& now, const limits& l, std::optional<std::string> location);

/**
 * Once a request that completes the upload is in: whether the bytes agree with the length it
 * declared (a refusal when not: draft §4.1.3, problem type inconsistent-upload-length).
 */
std::optional<reply> check_complete(const upload_state& now);

/** The fields of a creating request that its commit replays (Host, the preconditions, X-OC-Mtime). */
std::vector<std::pair<std::string, std::string>> replayed_fields(const request_header& head);

/**
 * The commit, as an operation for the file system pool: a PUT of the upload's bytes to the
 * target the creating request named, checked then (locks, If, access rules, --max-put-size) with
 * the completing request's own preconditions where it has them. The reply carries
 * `Upload-Complete: ?1` (draft §4.4.2); a 5xx leaves the upload incomplete, to be completed again.
 */
operation commit(fs::upload_store& store, fs::upload_record record, const request_header& completing, context ctx);

} // namespace keepdav::dav::resumable
