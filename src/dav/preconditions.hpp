#pragma once
// The preconditions every request must pass before it goes on: HTTP's conditional headers (RFC 9110
// §13, evaluated by http/preconditions: 304 or 412), the WebDAV If header when present (RFC 4918
// §10.4: 412), and, for what the request changes, the token of each lock on it (RFC 4918 §7: 423
// with DAV:lock-token-submitted); and the RFC 4918 §16 body that names a failed condition.
#include "dav/handler.hpp"

#include <initializer_list>
#include <optional>

namespace keepdav::dav {

/** What a request changes. */
struct write_scope {
    std::string rel;
    /** The whole subtree changes (DELETE or MOVE of a collection, a destination overwritten). */
    bool members = false;
    /** The resource is created or removed, which changes its parent collection's membership. */
    bool membership = false;
};

/** The refusal to send, or nullopt when the request may go on. Empty `scopes`: a read, If only. */
std::optional<reply> check_preconditions(const request_header& req, const context& ctx, std::string_view request_rel,
                                         std::initializer_list<write_scope> scopes);

/** The lock tokens the If header names (empty when there is none or it does not parse). */
std::vector<std::string> submitted_lock_tokens(const request_header& req);

/** A 4xx whose body is an RFC 4918 §16 precondition element: <D:error><D:name><D:href>…</D:href>… */
reply condition_reply(http::status status, std::string_view condition, const std::vector<std::string>& hrefs);

} // namespace keepdav::dav
