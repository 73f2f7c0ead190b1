#include "server/interim_policy.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>

namespace keepdav::server {

namespace {

bool contains_nocase(std::string_view text, std::string_view word) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return std::search(text.begin(), text.end(), word.begin(), word.end(),
                       [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

/**
 * Go's HTTP client before 1.24 fails a request at its 6th 1xx, a 100 Continue included (net/http
 * transport: max1xxResponses), and a 1xx never resets its ResponseHeaderTimeout: four 102s leave room
 * for a 100 and gain Go nothing to lose. rclone is Go.
 */
bool is_go_client(std::string_view ua) { return ua.starts_with("Go-http-client/") || ua.starts_with("rclone/"); }

/** The most 1xx each family takes with no harm; nullopt: any number. */
std::optional<unsigned> family_cap(proxy_family f, int proxy_interims) {
    switch (f) {
    case proxy_family::none:
    case proxy_family::relaying: return std::nullopt;
    case proxy_family::unknown:
        if (proxy_interims < 0) return std::nullopt;
        return static_cast<unsigned>(proxy_interims);
    case proxy_family::apache: return 8; // the 10th is a 502; room for a 100 Continue and one to spare
    case proxy_family::go: return 4;
    case proxy_family::breaking: return 0;
    }
    return 0;
}

} // namespace

proxy_signs proxy_signs_of(const boost::beast::http::fields& fields, bool trusted_peer) {
    namespace http = boost::beast::http;
    proxy_signs s;
    s.via = std::string(fields[http::field::via]);
    s.trusted_peer = trusted_peer;
    for (const auto& f : fields) {
        auto name = f.name_string();
        if (beast::iequals(name, "forwarded") || beast::iequals(name, "x-forwarded-for") ||
            beast::iequals(name, "x-forwarded-host") || beast::iequals(name, "x-forwarded-proto") ||
            beast::iequals(name, "x-real-ip"))
            s.forwarded = true;
        else if (beast::iequals(name, "x-varnish"))
            s.varnish = true;
        else if (name.size() > 8 && beast::iequals(name.substr(0, 8), "x-envoy-"))
            s.envoy = true;
    }
    return s;
}

proxy_family identify_proxy(const proxy_signs& s) {
    if (s.varnish || s.envoy) return proxy_family::breaking;
    const std::string_view via = s.via;
    // Most specific first: Traffic Server's Via says "ApacheTrafficServer".
    if (contains_nocase(via, "ApacheTrafficServer") || contains_nocase(via, "varnish") ||
        contains_nocase(via, "envoy") || contains_nocase(via, "nginx"))
        return proxy_family::breaking;
    if (contains_nocase(via, "Apache")) return proxy_family::apache;
    if (contains_nocase(via, "Caddy")) return proxy_family::go;
    if (contains_nocase(via, "HAProxy") || contains_nocase(via, "lighttpd") || contains_nocase(via, "squid"))
        return proxy_family::relaying;
    if (!via.empty() || s.forwarded || s.trusted_peer) return proxy_family::unknown;
    return proxy_family::none;
}

interim_policy::interim_policy(const server_config& config)
    : enabled_(config.processing_enabled), after_(config.processing_after), interval_(config.processing_interval),
      max_interim_(config.max_interim), proxy_interims_(config.proxy_interims) {
    for (const auto& pattern : config.no_processing_for) deny_.emplace_back(pattern, std::regex::ECMAScript);
}

interim_decision interim_policy::decide(unsigned http_version, std::string_view user_agent,
                                        const proxy_signs& signs) const {
    interim_decision d;
    auto& s = d.settings;
    s.after = after_;
    s.interval = interval_;
    s.max_interims = max_interim_;
    auto none = [&](std::string_view why) {
        s.enabled = false;
        d.reason = why;
        return d;
    };
    if (!enabled_) return none("--no-processing");
    if (http_version < 11) return none("HTTP/1.0"); // RFC 9110 §15.2
    for (const auto& re : deny_)
        if (std::regex_search(user_agent.begin(), user_agent.end(), re)) return none("user agent on the deny-list");
    d.reason = max_interim_ ? "--max-interim" : "the periodic stream";
    auto cap = [&](unsigned n, std::string_view why) {
        if (s.max_interims == 0 || n < s.max_interims) {
            s.max_interims = n;
            d.reason = why;
        }
    };
    if (auto n = family_cap(identify_proxy(signs), proxy_interims_)) {
        if (*n == 0) return none("through a proxy that takes a 1xx for the final response");
        cap(*n, "through a proxy that caps 1xx");
    }
    if (is_go_client(user_agent)) cap(4, "a Go client (fails at the 6th 1xx)");
    return d;
}

} // namespace keepdav::server
