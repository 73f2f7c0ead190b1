#include "server/shared_state.hpp"

namespace keepdav::server {

void shared_state::add(session_base* s, std::weak_ptr<session_base> weak) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(s, std::move(weak));
}

void shared_state::remove(session_base* s) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
    if (sessions_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<session_base>> shared_state::sessions() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<session_base>> out;
    for (auto& [_, weak] : sessions_)
        if (auto s = weak.lock()) out.push_back(std::move(s));
    return out;
}

std::size_t shared_state::session_count() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

bool shared_state::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return empty_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

} // namespace keepdav::server
