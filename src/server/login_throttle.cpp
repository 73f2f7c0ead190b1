#include "server/login_throttle.hpp"

#include <algorithm>

namespace keepdav::server {

login_throttle::login_throttle(unsigned per_minute, std::size_t max_addresses)
    : per_minute_(per_minute),
      interval_(per_minute ? clock::duration(std::chrono::minutes(1)) / per_minute : clock::duration::zero()),
      max_addresses_(std::max<std::size_t>(max_addresses, 1)) {}

std::optional<std::chrono::seconds> login_throttle::refused(const std::string& address, clock::time_point now) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(address);
    if (it == buckets_.end()) return std::nullopt;
    auto ahead = it->second - now;
    auto allowed = interval_ * (per_minute_ - 1); // room for one more failure
    if (ahead <= allowed) return std::nullopt;
    auto wait = std::chrono::ceil<std::chrono::seconds>(ahead - allowed);
    return std::max(wait, std::chrono::seconds(1));
}

void login_throttle::failed(const std::string& address, clock::time_point now) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(address);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_addresses_) forget_full(now);
        // Still full of addresses that are all failing: the newcomer goes unthrottled rather than
        // evicting one that is (an attacker with many addresses must not free its own).
        if (buckets_.size() >= max_addresses_) return;
        it = buckets_.emplace(address, now).first;
    }
    // Never more than a whole bucket empty: a minute after its last failure, an address starts afresh.
    it->second = std::min(std::max(it->second, now) + interval_, now + interval_ * per_minute_);
}

void login_throttle::refund(const std::string& address, clock::time_point now) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(address);
    if (it == buckets_.end()) return;
    it->second -= interval_;
    if (it->second <= now) buckets_.erase(it);
}

void login_throttle::forget_full(clock::time_point now) {
    std::erase_if(buckets_, [now](const auto& entry) { return entry.second <= now; }); // full: as if never seen
}

} // namespace keepdav::server
