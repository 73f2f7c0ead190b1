#include "server/admission.hpp"

#include "http/framing.hpp"
#include "log.hpp"

namespace keepdav::server {

std::optional<admission> admit_framing(const http::request_header<>& head, shared_state& state, std::string_view name) {
    if (auto refusal = http_util::check_request_framing(head)) {
        // Whatever follows on this connection cannot be told apart from this request's body.
        log::info(std::string(name) + ": " + refusal->reason);
        auto r = dav::error_reply(refusal->status, refusal->reason);
        r.close_connection = true;
        return admission{std::move(r), std::nullopt, nullptr};
    }
    if (state.config.request_header_hook) state.config.request_header_hook(head.target());
    return std::nullopt;
}

admission admit_login(const http::request_header<>& head, shared_state& state, std::string_view name,
                      const std::shared_ptr<const users_table>& users, const login_outcome& login) {
    using kind = login_outcome::kind;
    if (login.result == kind::throttled) {
        // RFC 6585 §4: refused unchecked; Retry-After says when this address may try again.
        auto r = dav::error_reply(http::status::too_many_requests, "too many failed logins from this address");
        r.fields.set(http::field::retry_after, std::to_string(login.retry_after.count()));
        return {std::move(r), std::nullopt, nullptr};
    }
    const user* who = login.result == kind::ok ? users->find(login.user) : nullptr;
    // RFC 7617: the challenge lets a client that sent wrong credentials try others.
    if (!who) return {challenge(state.config), std::nullopt, nullptr};
    return admit_user(head, state, name, std::shared_ptr<const user>(users, who));
}

admission admit_user(const http::request_header<>& head, shared_state& state, std::string_view name, std::shared_ptr<const user> who) {
    if (!state.config.test_hooks) return {std::nullopt, std::nullopt, std::move(who)};
    auto hooks = parse_test_hooks(head);
    if (!hooks) {
        log::info(std::string(name) + ": bad test hook: " + hooks.error());
        return {dav::error_reply(http::status::bad_request, hooks.error()), std::nullopt, nullptr};
    }
    if (!hooks->holds()) return {std::nullopt, std::nullopt, std::move(who)};
    return {std::nullopt, *hooks, std::move(who)};
}

} // namespace keepdav::server
