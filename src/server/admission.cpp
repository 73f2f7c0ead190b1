#include "server/admission.hpp"

#include "http/framing.hpp"
#include "log.hpp"
#include "server/identify.hpp"
#include "server/shared_state.hpp"

namespace keepdav::server {

admission admit(const http::request_header<>& head, shared_state& state, std::string_view name, bool trusted_peer) {
    if (auto refusal = http_util::check_request_framing(head)) {
        // Whatever follows on this connection cannot be told apart from this request's body.
        log::info(std::string(name) + ": " + refusal->reason);
        auto r = dav::error_reply(refusal->status, refusal->reason);
        r.close_connection = true;
        return {std::move(r), std::nullopt, nullptr};
    }
    if (state.config.request_header_hook) state.config.request_header_hook(head.target());
    std::shared_ptr<const user> who;
    if (auto users = state.users.load()) {
        auto id = identify(head, *users, state.config, trusted_peer, name);
        if (id.refusal) return {std::move(id.refusal), std::nullopt, nullptr};
        // Shares the table's life: a request keeps the users it started with.
        who = std::shared_ptr<const user>(users, id.who);
    }
    if (!state.config.test_hooks) return {std::nullopt, std::nullopt, who};
    auto hooks = parse_test_hooks(head);
    if (!hooks) {
        log::info(std::string(name) + ": bad test hook: " + hooks.error());
        return {dav::error_reply(http::status::bad_request, hooks.error()), std::nullopt, nullptr};
    }
    if (!hooks->holds()) return {std::nullopt, std::nullopt, who};
    return {std::nullopt, *hooks, who};
}

} // namespace keepdav::server
