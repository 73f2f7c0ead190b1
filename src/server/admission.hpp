#pragma once
// Whether a request, by its header alone, may go on to its body and its handler: framing (RFC 9112),
// credentials (RFC 7617), and the test hooks it asks for. Decided before any body byte is read.
#include "dav/reply.hpp"
#include "net.hpp"
#include "server/test_hooks.hpp"

#include <boost/beast/http/message.hpp>

#include <memory>
#include <optional>
#include <string_view>

namespace keepdav::server {

struct shared_state;
struct user;

struct admission {
    std::optional<dav::reply> refusal; ///< to send at once (with close_connection where framing failed)
    std::optional<test_hooks> hooks;   ///< the hooks that hold this request, if any
    std::shared_ptr<const user> who;   ///< whose request it is; null without users
};

/** `name` names the request in log lines ("peer: METHOD target"); `trusted_peer`: a --trusted-proxy sent it. */
admission admit(const http::request_header<>& head, shared_state& state, std::string_view name, bool trusted_peer);

} // namespace keepdav::server
