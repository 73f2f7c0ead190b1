#include "server/admission.hpp"

#include "http/framing.hpp"
#include "log.hpp"

namespace keepdav::server {

std::optional<admission> admit_framing(const http::request_header<>& head, shared_state& state, std::string_view who) {
    if (auto refusal = http_util::check_request_framing(head)) {
        // Whatever follows on this connection cannot be told apart from this request's body.
        log::info(std::string(who) + ": " + refusal->reason);
        auto r = dav::error_reply(refusal->status, refusal->reason);
        r.close_connection = true;
        return admission{std::move(r), std::nullopt};
    }
    if (state.config.request_header_hook) state.config.request_header_hook(head.target());
    return std::nullopt;
}

admission admit_login(const http::request_header<>& head, shared_state& state, std::string_view who, const login_outcome& login) {
    using kind = login_outcome::kind;
    if (login.result == kind::throttled) {
        // RFC 6585 §4: refused unchecked; Retry-After says when this address may try again.
        auto r = dav::error_reply(http::status::too_many_requests, "too many failed logins from this address");
        r.fields.set(http::field::retry_after, std::to_string(login.retry_after.count()));
        return {std::move(r), std::nullopt};
    }
    if (login.result != kind::ok) {
        // RFC 7617: every request needs credentials.
        auto r = dav::error_reply(http::status::unauthorized, "credentials required");
        r.fields.set(http::field::www_authenticate, "Basic realm=\"" + state.config.auth_realm + "\", charset=\"UTF-8\"");
        return {std::move(r), std::nullopt};
    }
    if (!state.config.test_hooks) return {};
    auto hooks = parse_test_hooks(head);
    if (!hooks) {
        log::info(std::string(who) + ": bad test hook: " + hooks.error());
        return {dav::error_reply(http::status::bad_request, hooks.error()), std::nullopt};
    }
    if (!hooks->holds()) return {};
    return {std::nullopt, *hooks};
}

} // namespace keepdav::server
