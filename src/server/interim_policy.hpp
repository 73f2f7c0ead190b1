#pragma once
// Who may receive 1xx interim responses, and how many: the rule is that a 1xx must never turn a
// success into a failure (README, "Clients and 102"; "Behind a reverse proxy"). Never to HTTP/1.0
// (RFC 9110 §15.2), never to a user agent on the deny-list, never when turned off; at most a few to
// clients and through proxies that count them; the periodic stream where nothing counts.
#include "server/interim_schedule.hpp"
#include "server/trusted_proxies.hpp"

#include <keepdav/config.hpp>

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::server {

/** What a request's header says of the proxies it came through (RFC 9110 §7.6.3 and the usual extensions). */
struct proxy_signs {
    std::string via;         ///< the Via field, empty when absent
    bool forwarded = false;  ///< Forwarded, X-Forwarded-For/-Host/-Proto or X-Real-IP
    bool varnish = false;    ///< X-Varnish: Varnish sets it on every backend request
    bool envoy = false;      ///< any x-envoy-* field
    bool trusted_peer = false; ///< the peer is a --trusted-proxy
};

proxy_signs proxy_signs_of(const boost::beast::http::fields& fields, bool trusted_peer);

/** The proxy families whose handling of 1xx is known (measured: README, "Behind a reverse proxy"). */
enum class proxy_family {
    none,     ///< the request came straight from its client
    unknown,  ///< through a proxy that names itself nowhere: --proxy-interims
    relaying, ///< relays any number and stays in step: HAProxy, lighttpd, Squid
    apache,   ///< mod_proxy_http: the 10th interim is a 502
    go,       ///< Caddy (Go before 1.24): the 6th is a 502
    breaking, ///< the first 1xx is taken as final or fails: Varnish pass, Traffic Server, Envoy, nginx
};

proxy_family identify_proxy(const proxy_signs& signs);

/** Why a request gets what it gets, for the log and the tests. */
struct interim_decision {
    interim_schedule::settings settings;
    std::string_view reason;
};

class interim_policy {
public:
    /** Compiles the deny-list; throws std::regex_error on a bad expression. */
    explicit interim_policy(const server_config& config);

    /** The schedule settings for one request. */
    interim_decision decide(unsigned http_version, std::string_view user_agent, const proxy_signs& signs) const;
    /** A request straight from its client. */
    interim_schedule::settings settings_for(unsigned http_version, std::string_view user_agent) const {
        return decide(http_version, user_agent, {}).settings;
    }

private:
    bool enabled_;
    std::chrono::milliseconds after_;
    std::chrono::milliseconds interval_;
    unsigned max_interim_;
    int proxy_interims_;
    std::vector<std::regex> deny_;
};

} // namespace keepdav::server
