// Who may get 102 Processing, as a table: HTTP version x User-Agent x settings -> allowed or not.
// Pure: no socket, no timer, no observation window (the integration suite has one case over a socket).
#include "server/interim_policy.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

using keepdav::server::interim_policy;
using namespace std::chrono_literals;

namespace {

keepdav::server_config with(bool enabled, std::vector<std::string> deny) {
    keepdav::server_config c;
    c.processing_enabled = enabled;
    c.no_processing_for = std::move(deny);
    return c;
}

struct row {
    const char* settings; ///< which server_config (see the map in the test)
    unsigned version;
    const char* user_agent;
    bool allowed;
};

} // namespace

TEST_CASE("interim_policy: HTTP version x user agent x settings decides whether 102s are sent",
          "[unit][interim][policy]") {
    const interim_policy defaults(keepdav::server_config{});
    const interim_policy off(with(false, keepdav::default_no_processing_for()));
    const interim_policy custom(with(true, {"curl", "^Wget/1\\."})); // replaces the defaults
    const interim_policy none(with(true, {}));
    auto policy = [&](std::string_view name) -> const interim_policy& {
        if (name == "defaults") return defaults;
        if (name == "off") return off;
        if (name == "custom") return custom;
        return none;
    };

    const row table[] = {
        // The defaults: ^python-requests/, ^Python-urllib/, ^Java/ (searched, case-sensitive).
        {"defaults", 11, "", true},
        {"defaults", 11, "keepdav-probe", true},
        {"defaults", 11, "curl/8.1.2", true},
        {"defaults", 11, "python-requests/2.28.1", false},
        {"defaults", 11, "Python-urllib/3.11", false},
        {"defaults", 11, "Java/17.0.2", false},
        {"defaults", 11, "Mozilla/5.0 python-requests/2.28.1", true}, // anchored at the start
        {"defaults", 11, "python-requests", true},                    // the slash is part of the pattern
        {"defaults", 11, "PYTHON-REQUESTS/2.28.1", true},             // case matters
        {"defaults", 11, "Java-http-client/17.0.2", true},            // Java's HttpClient is fine
        // HTTP/1.0 never gets a 1xx (RFC 9110 §15.2), whoever asks.
        {"defaults", 10, "", false},
        {"defaults", 10, "keepdav-probe", false},
        {"defaults", 10, "python-requests/2.28.1", false},
        {"none", 10, "keepdav-probe", false},
        {"custom", 10, "keepdav-probe", false},
        // --no-processing: nobody.
        {"off", 11, "", false},
        {"off", 11, "keepdav-probe", false},
        {"off", 10, "keepdav-probe", false},
        // --no-processing-for replaces the defaults; a pattern is searched, not matched whole.
        {"custom", 11, "python-requests/2.28.1", true},
        {"custom", 11, "Java/17.0.2", true},
        {"custom", 11, "curl/8.1.2", false},
        {"custom", 11, "libcurl-agent", false},
        {"custom", 11, "Wget/1.21.3", false},
        {"custom", 11, "Wget/2.0", true},
        {"custom", 11, "keepdav-probe", true},
        // An empty deny-list: every HTTP/1.1 client.
        {"none", 11, "python-requests/2.28.1", true},
        {"none", 11, "Java/17.0.2", true},
        {"none", 11, "", true},
    };
    for (const auto& r : table) {
        INFO(r.settings << ", HTTP/" << r.version / 10 << "." << r.version % 10 << ", User-Agent \"" << r.user_agent
                        << "\"");
        CHECK(policy(r.settings).settings_for(r.version, r.user_agent).enabled == r.allowed);
    }
}

TEST_CASE("interim_policy carries the cadence into the schedule's settings, allowed or not", "[unit][interim][policy]") {
    keepdav::server_config c;
    c.processing_after = 1500ms;
    c.processing_interval = 250ms;
    const interim_policy policy(c);
    for (auto [version, agent] : {std::pair{11u, "keepdav-probe"}, std::pair{10u, "keepdav-probe"},
                                  std::pair{11u, "python-requests/2.28.1"}}) {
        auto s = policy.settings_for(version, agent);
        CHECK(s.after == std::chrono::milliseconds(1500));
        CHECK(s.interval == std::chrono::milliseconds(250));
        CHECK(s.max_interims == 0); // no cap unless a test hook asks for one
    }
}

TEST_CASE("interim_policy refuses a bad deny-list expression at construction", "[unit][interim][policy]") {
    CHECK_THROWS_AS(interim_policy(with(true, {"("})), std::regex_error);
    CHECK_NOTHROW(interim_policy(with(true, {"(?!)"}))); // matches nothing: tools/client_matrix.py uses it
    CHECK(interim_policy(with(true, {"(?!)"})).settings_for(11, "python-requests/2.28.1").enabled);
}

namespace {

using keepdav::server::proxy_family;
using keepdav::server::proxy_signs;

/** Signs of a proxy: a Via text, forwarding headers, Varnish's or Envoy's own fields, a trusted peer. */
proxy_signs signs(std::string via, bool forwarded = false, bool varnish = false, bool envoy = false, bool trusted = false) {
    return {std::move(via), forwarded, varnish, envoy, trusted};
}

struct cap_row {
    const char* user_agent;
    proxy_signs signs;
    bool allowed;
    unsigned cap; ///< 0: no cap
};

} // namespace

TEST_CASE("interim_policy: client x proxy -> no 1xx, a capped number, or the periodic stream", "[unit][interim][policy]") {
    const interim_policy defaults(keepdav::server_config{});
    const cap_row table[] = {
        // Straight from the client: the stream, except for Go (its 6th 1xx fails the request).
        {"curl/7.88.1", {}, true, 0},
        {"gvfs/1.50.3", {}, true, 0},
        {"rclone/v1.60.1-DEV", {}, true, 4},
        {"Go-http-client/1.1", {}, true, 4},
        {"Mozilla/5.0 rclone/v1", {}, true, 0}, // anchored at the start
        // Through proxies that name themselves in Via.
        {"curl/7.88.1", signs("1.1 localhost (Apache/2.4.62 (Debian))"), true, 8},
        {"curl/7.88.1", signs("1.1 Caddy"), true, 4},
        {"curl/7.88.1", signs("1.1 haproxy"), true, 0},
        {"curl/7.88.1", signs("1.1 proxy (squid/5.7)"), true, 0},
        {"curl/7.88.1", signs("http/1.1 ats[uuid] (ApacheTrafficServer/9.2.0)"), false, 0},
        {"curl/7.88.1", signs("1.1 varnish (Varnish/7.1)"), false, 0},
        {"curl/7.88.1", signs("", true, true), false, 0}, // X-Varnish
        {"curl/7.88.1", signs("", true, false, true), false, 0}, // x-envoy-*
        // A proxy that says only that it forwarded (Apache and Caddy by default): --proxy-interims.
        {"curl/7.88.1", signs("", true), true, 4},
        {"curl/7.88.1", signs("1.1 some-gateway"), true, 4},
        // A --trusted-proxy peer that adds nothing (nginx, HAProxy by default): likewise.
        {"curl/7.88.1", signs("", false, false, false, true), true, 4},
        // Caps combine: the smallest wins.
        {"rclone/v1.60.1-DEV", signs("1.1 localhost (Apache/2.4.62)"), true, 4},
        {"Go-http-client/1.1", signs("1.1 varnish"), false, 0},
        // The deny-list still wins.
        {"python-requests/2.28.1", signs("1.1 haproxy"), false, 0},
    };
    for (const auto& r : table) {
        INFO(r.user_agent << " via \"" << r.signs.via << "\" forwarded=" << r.signs.forwarded);
        auto d = defaults.decide(11, r.user_agent, r.signs);
        CHECK(d.settings.enabled == r.allowed);
        if (r.allowed) CHECK(d.settings.max_interims == r.cap);
        CHECK_FALSE(d.reason.empty());
    }
}

TEST_CASE("interim_policy: --max-interim caps everyone, --proxy-interims shapes unknown proxies", "[unit][interim][policy]") {
    keepdav::server_config c;
    c.max_interim = 3;
    const interim_policy capped(c);
    CHECK(capped.decide(11, "curl/7.88.1", {}).settings.max_interims == 3);
    CHECK(capped.decide(11, "rclone/v1.60.1", {}).settings.max_interims == 3);
    CHECK(capped.decide(11, "curl/7.88.1", signs("1.1 Apache")).settings.max_interims == 3);

    keepdav::server_config stream;
    stream.proxy_interims = -1;
    CHECK(interim_policy(stream).decide(11, "curl/7.88.1", signs("", true)).settings.max_interims == 0);
    CHECK(interim_policy(stream).decide(11, "curl/7.88.1", signs("", true)).settings.enabled);
    // Known families keep their own caps whatever --proxy-interims says.
    CHECK(interim_policy(stream).decide(11, "curl/7.88.1", signs("1.1 Caddy")).settings.max_interims == 4);

    keepdav::server_config silent;
    silent.proxy_interims = 0;
    CHECK_FALSE(interim_policy(silent).decide(11, "curl/7.88.1", signs("", false, false, false, true)).settings.enabled);
    CHECK(interim_policy(silent).decide(11, "curl/7.88.1", {}).settings.enabled);
}

TEST_CASE("proxy_signs_of reads Via, the forwarding fields and the proxies' own fields", "[unit][interim][policy]") {
    boost::beast::http::fields f;
    CHECK(keepdav::server::identify_proxy(keepdav::server::proxy_signs_of(f, false)) == proxy_family::none);
    CHECK(keepdav::server::identify_proxy(keepdav::server::proxy_signs_of(f, true)) == proxy_family::unknown);
    f.set("X-Forwarded-For", "192.0.2.1");
    CHECK(keepdav::server::proxy_signs_of(f, false).forwarded);
    f.set("Via", "1.1 Caddy");
    CHECK(keepdav::server::identify_proxy(keepdav::server::proxy_signs_of(f, false)) == proxy_family::go);
    boost::beast::http::fields v;
    v.set("X-Varnish", "32770");
    CHECK(keepdav::server::identify_proxy(keepdav::server::proxy_signs_of(v, false)) == proxy_family::breaking);
    boost::beast::http::fields e;
    e.set("x-envoy-expected-rq-timeout-ms", "15000");
    CHECK(keepdav::server::proxy_signs_of(e, false).envoy);
}

TEST_CASE("trusted_proxies: addresses and networks, IPv4-mapped peers, bad input refused", "[unit][interim][policy]") {
    namespace ip = boost::asio::ip;
    keepdav::server::trusted_proxies t({"127.0.0.1", "10.1.0.0/16", "fd00::/8"});
    CHECK(t.contains(ip::make_address("127.0.0.1")));
    CHECK_FALSE(t.contains(ip::make_address("127.0.0.2")));
    CHECK(t.contains(ip::make_address("10.1.200.3")));
    CHECK_FALSE(t.contains(ip::make_address("10.2.0.1")));
    CHECK(t.contains(ip::make_address("::ffff:10.1.0.9")));
    CHECK(t.contains(ip::make_address("fd12::1")));
    CHECK_FALSE(t.contains(ip::make_address("fe80::1")));
    CHECK_FALSE(t.contains(ip::address()));
    for (auto bad : {"10.0.0.0/33", "10.0.0.0/", "nonsense", "10.0.0.0/8x", "::/129"})
        CHECK_THROWS_AS(keepdav::server::trusted_proxies({bad}), std::invalid_argument);
}
