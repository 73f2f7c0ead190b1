#include "server/admission.hpp"

#include "http/framing.hpp"
#include "log.hpp"
#include "server/shared_state.hpp"

namespace keepdav::server {

admission admit(const http::request_header<>& head, shared_state& state, std::string_view who) {
    if (auto refusal = http_util::check_request_framing(head)) {
        // Whatever follows on this connection cannot be told apart from this request's body.
        log::info(std::string(who) + ": " + refusal->reason);
        auto r = dav::error_reply(refusal->status, refusal->reason);
        r.close_connection = true;
        return {std::move(r), std::nullopt};
    }
    if (state.config.request_header_hook) state.config.request_header_hook(head.target());
    auto credentials = head[http::field::authorization];
    if (state.auth && !state.auth->verify(credentials)) {
        // RFC 7617: every request needs credentials.
        if (!credentials.empty())
            log::info(std::string(who) + ": wrong credentials for user \"" + basic_auth::user_of(credentials) + "\"");
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
