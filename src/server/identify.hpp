#pragma once
// Whose request it is: a trusted proxy's --auth-header, Basic credentials (RFC 7617), or nobody's
// (--anonymous). Decided from the request header alone, before any body byte is read.
#include "dav/reply.hpp"
#include "net.hpp"
#include "server/users.hpp"

#include <boost/beast/http/message.hpp>

#include <optional>
#include <string_view>

namespace keepdav::server {

struct identity {
    const user* who = nullptr;
    std::optional<dav::reply> refusal; ///< 401 (with a challenge) or 403, when nobody may make it
    /** Basic credentials came: whose they are is for server/password_checks to say (off the I/O thread). */
    bool needs_password = false;
};

/** 401 with the Basic challenge (RFC 7617 §2). */
dav::reply challenge(const server_config& config);

/**
 * The user of `head`. The --auth-header is believed only from a --trusted-proxy peer and must name a
 * user (403 otherwise); from any other peer it is ignored (and a warning logged, at most once a
 * minute). With Basic credentials, `needs_password`. Without credentials the request is anonymous's if --anonymous allows what its method
 * needs, else 401 so that the client logs in. `name` names the request in log lines.
 */
identity identify(const http::request_header<>& head, const users_table& users, const server_config& config,
                  bool trusted_peer, std::string_view name);

} // namespace keepdav::server
