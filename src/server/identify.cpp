#include "server/identify.hpp"

#include "log.hpp"

#include <atomic>
#include <chrono>

namespace keepdav::server {

namespace {

/** A peer that is no proxy of ours sends the header: said once a minute, not once a request. */
void warn_untrusted(std::string_view header, std::string_view name) {
    static std::atomic<long long> last{0};
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    auto before = last.load();
    if (now - before < 60 || !last.compare_exchange_strong(before, now)) return;
    log::warning(std::string(name) + ": " + std::string(header) +
                 " from a peer that is no --trusted-proxy: ignored (said once a minute)");
}

} // namespace

dav::reply challenge(const server_config& config) {
    auto r = dav::error_reply(http::status::unauthorized, "credentials required");
    r.fields.set(http::field::www_authenticate, "Basic realm=\"" + config.auth_realm + "\", charset=\"UTF-8\"");
    return r;
}

identity identify(const http::request_header<>& head, const users_table& users, const server_config& config,
                  bool trusted_peer, std::string_view name) {
    if (!config.auth_header.empty()) {
        if (auto named = head.find(config.auth_header); named != head.end()) {
            if (trusted_peer) {
                if (auto u = users.find(named->value())) return {u, std::nullopt};
                log::info(std::string(name) + ": " + config.auth_header + " names no user: \"" + std::string(named->value()) + "\"");
                return {nullptr, dav::error_reply(http::status::forbidden, "unknown user")};
            }
            warn_untrusted(config.auth_header, name);
        }
    }
    if (!head[http::field::authorization].empty()) return {nullptr, std::nullopt, true};
    if (auto anonymous = users.anonymous())
        if (anonymous->rules.at("") >= dav::needed_level(head.method())) return {anonymous, std::nullopt};
    // RFC 7617: credentials are required; the challenge lets a client that waited for one log in.
    return {nullptr, challenge(config)};
}

} // namespace keepdav::server
