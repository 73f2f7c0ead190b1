#include "server/password_checks.hpp"

#include "http/text.hpp"
#include "log.hpp"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace keepdav::server {

namespace {

constexpr auto remember_for = std::chrono::minutes(5);
/** Remembered successes at most; beyond, the expired go, and if none has, all of them. */
constexpr std::size_t max_remembered = 10000;

} // namespace

std::string failed_login_line(std::string_view address, std::string_view user, std::string_view reason) {
    std::string line = "auth failed: from=";
    line.append(address).append(" user=\"");
    for (unsigned char ch : user) {
        if (ch == '"' || ch == '\\') {
            line.push_back('\\');
            line.push_back(static_cast<char>(ch));
        } else if (ch < 0x20 || ch >= 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            line.append("\\x").push_back(hex[ch >> 4]);
            line.push_back(hex[ch & 15]);
        } else {
            line.push_back(static_cast<char>(ch));
        }
    }
    line.append("\" (").append(reason).append(")");
    return line;
}

std::size_t password_checks::digest_hash::operator()(const digest& d) const noexcept {
    std::size_t h;
    std::memcpy(&h, d.data(), sizeof h); // already uniform: an HMAC's first bytes
    return h;
}

password_checks::password_checks(password_verifier verify, unsigned max_failures_per_minute, unsigned threads)
    : verify_(std::move(verify)), throttle_(max_failures_per_minute),
      pool_(std::make_unique<net::thread_pool>(std::max(1u, threads))) {
    if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1)
        throw std::runtime_error("no random bytes for the credential cache key");
}

void password_checks::stop() {
    if (!pool_) return;
    pool_->stop();
    pool_->join();
    pool_.reset(); // destroys the queued checks, and with them their connections' last references
}

password_checks::digest password_checks::keyed(std::string_view credentials) const {
    // Keyed (HMAC-SHA-256), not a bare hash: a memory dump gives nothing to run a dictionary against.
    digest out{};
    unsigned int n = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(credentials.data()),
         credentials.size(), out.data(), &n);
    return out;
}

std::optional<login_outcome> password_checks::quick(std::string_view authorization, const std::string& client,
                                                    clock::time_point now) {
    authorization = http_util::trim_ows(authorization);
    if (authorization.empty()) return login_outcome{};
    auto c = basic_auth::credentials(authorization);
    if (!c) return failure(client, "-", "malformed credentials", true);
    auto key = keyed(c->first + ":" + c->second);
    {
        std::lock_guard lock(mutex_);
        if (auto it = verified_.find(key); it != verified_.end()) {
            if (it->second > now) return login_outcome{login_outcome::kind::ok, c->first, {}, {}};
            verified_.erase(it);
        }
    }
    // RFC 6585 §4: too many requests; the password is not even looked at.
    if (auto wait = throttle_.refused(client, now)) {
        throttled_.fetch_add(1, std::memory_order_relaxed);
        log::info("auth throttled: from=" + client + " (retry in " + std::to_string(wait->count()) + " s)");
        return login_outcome{login_outcome::kind::throttled, c->first, "too many failed logins", *wait};
    }
    // The token is taken now, not when the hash says no: guesses queued for the pool together
    // cannot all slip in before the first of them fails.
    throttle_.failed(client, now);
    return std::nullopt;
}

login_outcome password_checks::slow(std::string_view authorization, const std::string& client) {
    auto c = basic_auth::credentials(authorization);
    if (!c) return failure(client, "-", "malformed credentials", false);
    switch (verify_(c->first, c->second)) {
    case password_verdict::ok: break;
    case password_verdict::unknown_user: return failure(client, c->first, "unknown user", false);
    case password_verdict::wrong_password: return failure(client, c->first, "wrong password", false);
    }
    auto key = keyed(c->first + ":" + c->second);
    auto now = clock::now();
    throttle_.refund(client, now);
    std::lock_guard lock(mutex_);
    if (verified_.size() >= max_remembered) {
        std::erase_if(verified_, [now](const auto& entry) { return entry.second <= now; });
        if (verified_.size() >= max_remembered) verified_.clear(); // bounded: forget everyone rather than grow
    }
    verified_[key] = now + remember_for;
    return login_outcome{login_outcome::kind::ok, c->first, {}, {}};
}

login_outcome password_checks::failure(const std::string& client, std::string user, std::string reason, bool take_token) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    if (take_token) throttle_.failed(client, clock::now());
    log::info(failed_login_line(client, user, reason));
    return login_outcome{login_outcome::kind::failed, std::move(user), std::move(reason), {}};
}

void password_checks::forget_remembered() {
    std::lock_guard lock(mutex_);
    verified_.clear();
}

} // namespace keepdav::server
