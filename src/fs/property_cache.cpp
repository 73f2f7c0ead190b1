#include "fs/property_cache.hpp"

#include <ctime>

namespace keepdav::fs {

namespace {

bool same_time(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

/** `t` is at least `settle` before `now`. */
bool settled(const timespec& t, const timespec& now, std::chrono::milliseconds settle) {
    using namespace std::chrono;
    auto as_duration = [](const timespec& x) { return seconds(x.tv_sec) + nanoseconds(x.tv_nsec); };
    return as_duration(now) - as_duration(t) >= settle;
}

/** What keeping these properties costs, bookkeeping included. */
std::size_t cost_of(const std::vector<stored_property>& properties) {
    std::size_t n = property_cache::entry_overhead;
    for (const auto& p : properties) n += property_cache::property_overhead + p.key.size() + p.value.size();
    return n;
}

} // namespace

timespec property_cache::realtime_now() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return now;
}

property_cache::property_cache(std::size_t capacity_bytes, std::chrono::milliseconds settle, clock_function now)
    : bytes_per_shard_(std::max<std::size_t>(1, capacity_bytes / shard_count)), settle_(settle), now_(std::move(now)) {}

result<std::vector<stored_property>> property_cache::read(const xattr_target& t, const entry_info& info) {
    key k{info.device, info.inode};
    shard& s = shard_for(k);
    {
        std::lock_guard lock(s.mutex);
        if (auto found = s.entries.find(k); found != s.entries.end()) {
            if (same_time(found->second.changed, info.changed)) {
                hits_.fetch_add(1, std::memory_order_relaxed);
                return found->second.properties;
            }
            s.bytes -= cost_of(found->second.properties);
            s.entries.erase(found); // changed since: whatever it held is stale
        }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    if (info.changed.tv_sec == 0 && info.changed.tv_nsec == 0) return read_properties(t); // no change time to trust
    timespec began = now_();
    bool complete = true;
    auto properties = read_properties(t, &complete);
    if (!properties || !complete || !settled(info.changed, began, settle_)) return properties;
    auto cost = cost_of(*properties);
    if (cost > max_kept_bytes) return properties;
    std::lock_guard lock(s.mutex);
    // A full shard starts over: simpler than recency, and a listing larger than the cache costs what
    // it cost without one.
    if (s.bytes + cost > bytes_per_shard_) {
        s.entries.clear();
        s.bytes = 0;
    }
    if (auto found = s.entries.find(k); found != s.entries.end()) { // kept meanwhile by another thread
        s.bytes -= cost_of(found->second.properties);
        found->second = kept{info.changed, *properties};
    } else {
        s.entries.emplace(k, kept{info.changed, *properties});
    }
    s.bytes += cost;
    return properties;
}

} // namespace keepdav::fs
