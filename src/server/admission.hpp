#pragma once
// Whether a request, by its header alone, may go on to its body and its handler: framing (RFC 9112),
// whose request it is (server/identify; a password hash off the I/O thread, see password_checks), and
// the test hooks it asks for. Decided before any body byte is read.
#include "dav/reply.hpp"
#include "net.hpp"
#include "server/identify.hpp"
#include "server/password_checks.hpp"
#include "server/request_origin.hpp"
#include "server/shared_state.hpp"
#include "server/test_hooks.hpp"

#include <boost/beast/http/message.hpp>

#include <memory>
#include <optional>
#include <string_view>

namespace keepdav::server {

struct admission {
    std::optional<dav::reply> refusal; ///< to send at once (with close_connection where framing failed)
    std::optional<test_hooks> hooks;   ///< the hooks that hold this request, if any
    std::shared_ptr<const user> who;   ///< whose request it is; null without users
};

/** Framing and the test seam: a refusal, or nothing when the identity comes next. `name` names the request in log lines. */
std::optional<admission> admit_framing(const http::request_header<>& head, shared_state& state, std::string_view name);

/** Once the user is known (`who`, sharing the life of the table it is in; null without users): the test hooks. */
admission admit_user(const http::request_header<>& head, shared_state& state, std::string_view name, std::shared_ptr<const user> who);

/** After the Basic credentials were checked (`login`) against `users`: 401, 429, or admit_user. */
admission admit_login(const http::request_header<>& head, shared_state& state, std::string_view name,
                      const std::shared_ptr<const users_table>& users, const login_outcome& login);

/**
 * The whole admission of a request whose header `head` (kept alive by the caller until completion)
 * came from `peer` (`trusted_peer`: a --trusted-proxy, whose forwarded client address counts);
 * completes with an `admission`, at once unless a password hash must be computed. A request keeps the
 * users table it started with (`users`, loaded once by the caller; null without users), whatever a
 * reload (SIGHUP) swaps in meanwhile.
 */
template <class Executor, class Handler>
void async_admit(const http::request_header<>& head, shared_state& state, std::shared_ptr<const users_table> users,
                 std::string name, const std::string& peer, bool trusted_peer, Executor ex, Handler handler) {
    if (auto refused = admit_framing(head, state, name)) return handler(std::move(*refused));
    if (!users) return handler(admit_user(head, state, name, nullptr));
    auto id = identify(head, *users, state.config, trusted_peer, name);
    if (id.refusal) return handler(admission{std::move(id.refusal), std::nullopt, nullptr});
    if (!id.needs_password) return handler(admit_user(head, state, name, std::shared_ptr<const user>(users, id.who)));
    async_check_login(*state.logins, std::string(head[http::field::authorization]), client_address_of(head, peer, trusted_peer), ex,
                      [&head, &state, name = std::move(name), users = std::move(users),
                       handler = std::move(handler)](login_outcome login) mutable {
                          handler(admit_login(head, state, name, users, login));
                      });
}

} // namespace keepdav::server
