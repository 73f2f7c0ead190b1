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
