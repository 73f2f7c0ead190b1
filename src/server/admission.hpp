#pragma once
// Whether a request, by its header alone, may go on to its body and its handler: framing (RFC 9112),
// credentials (RFC 7617; the password hash off the I/O thread, see password_checks), and the test
// hooks it asks for. Decided before any body byte is read.
#include "dav/reply.hpp"
#include "net.hpp"
#include "server/password_checks.hpp"
#include "server/request_origin.hpp"
#include "server/shared_state.hpp"
#include "server/test_hooks.hpp"

#include <boost/beast/http/message.hpp>

#include <optional>
#include <string_view>

namespace keepdav::server {

struct admission {
    std::optional<dav::reply> refusal; ///< to send at once (with close_connection where framing failed)
    std::optional<test_hooks> hooks;   ///< the hooks that hold this request, if any
};

/** Framing and the test seam: a refusal, or nothing when the credentials come next. `who` names the request in log lines. */
std::optional<admission> admit_framing(const http::request_header<>& head, shared_state& state, std::string_view who);

/** After the credentials were checked (`login`): 401, 429, or the test hooks. */
admission admit_login(const http::request_header<>& head, shared_state& state, std::string_view who, const login_outcome& login);

/**
 * The whole admission of a request whose header `head` (kept alive by the caller until completion)
 * came from `peer` (`trusted_peer`: a --trusted-proxy, whose forwarded client address counts);
 * completes with an `admission`, at once unless a password hash must be computed.
 */
template <class Executor, class Handler>
void async_admit(const http::request_header<>& head, shared_state& state, std::string who, const std::string& peer,
                 bool trusted_peer, Executor ex, Handler handler) {
    if (auto refused = admit_framing(head, state, who)) return handler(std::move(*refused));
    if (!state.logins) return handler(admit_login(head, state, who, login_outcome{login_outcome::kind::ok, {}, {}, {}}));
    async_check_login(*state.logins, std::string(head[http::field::authorization]), client_address_of(head, peer, trusted_peer), ex,
                      [&head, &state, who = std::move(who), handler = std::move(handler)](login_outcome login) mutable {
                          handler(admit_login(head, state, who, login));
                      });
}

} // namespace keepdav::server
