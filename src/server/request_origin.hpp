#pragma once
// The scheme and authority the client used, which is not what keepdav sees behind a TLS-terminating
// proxy: from --public-url when set; else, from a --trusted-proxy peer only, the last element of
// Forwarded (RFC 7239 §4: proto, host), else X-Forwarded-Proto/-Host; else the connection and Host.
// It decides whether a Destination (RFC 4918 §10.3) or an If tag names this server, and it is the
// base of every absolute URL keepdav writes (Status-URI). Anybody else's forwarding fields are ignored.
#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace keepdav::server {

struct request_origin {
    bool https = false;
    std::string host; ///< host[:port]; empty when the request named none
    /** "scheme://host", `localhost` standing in for a missing host. */
    std::string base() const { return (https ? "https://" : "http://") + (host.empty() ? std::string("localhost") : host); }
};

/** --public-url: `http://host[:port]` or `https://...`, nothing after the authority but an optional `/`. */
std::optional<request_origin> parse_public_url(std::string_view url);

request_origin origin_of(const boost::beast::http::fields& fields, bool tls, bool trusted_peer,
                         const std::optional<request_origin>& public_url);

/**
 * The address of the client a request is from, for throttling and the log: `peer`, unless the peer
 * is a --trusted-proxy and the last element of Forwarded says `for=` (RFC 7239 §5.2), or else the
 * last member of X-Forwarded-For says, an IP address (a port or brackets dropped). An obfuscated or
 * `unknown` node, or anything that is not an address, leaves `peer`.
 */
std::string client_address_of(const boost::beast::http::fields& fields, const std::string& peer, bool trusted_peer);

} // namespace keepdav::server
