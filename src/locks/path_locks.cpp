#include "locks/path_locks.hpp"

#include "locks/lock_store.hpp"

#include <utility>

namespace keepdav::locks {

bool claims_conflict(const path_claim& a, const path_claim& b) {
    if (!a.exclusive && !b.exclusive) return false;
    return path_within(a.path, b.path) || path_within(b.path, a.path);
}

path_locks::hold::hold(hold&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)), it_(other.it_), granted_at_once_(other.granted_at_once_) {}

path_locks::hold& path_locks::hold::operator=(hold&& other) noexcept {
    if (this != &other) {
        release();
        table_ = std::exchange(other.table_, nullptr);
        it_ = other.it_;
        granted_at_once_ = other.granted_at_once_;
    }
    return *this;
}

void path_locks::hold::release() {
    if (auto* table = std::exchange(table_, nullptr)) table->release(it_);
}

bool path_locks::conflicts_before(std::list<entry>::iterator it) const {
    for (auto other = entries_.begin(); other != it; ++other)
        for (const auto& mine : it->claims)
            for (const auto& theirs : other->claims)
                if (claims_conflict(mine, theirs)) return true;
    return false;
}

path_locks::hold path_locks::acquire(std::vector<path_claim> claims, grant_handler on_grant) {
    if (seam_)
        on_grant = [this, path = claims.empty() ? std::string() : claims.front().path, go_on = std::move(on_grant)] {
            seam_(path, go_on);
        };
    std::unique_lock lock(mutex_);
    auto it = entries_.insert(entries_.end(), entry{std::move(claims), std::move(on_grant), false, nullptr});
    it->granted = !conflicts_before(it);
    // Granted at once: the caller goes on without its handler, unless the test seam holds it or the
    // other nodes' claims are still to take.
    grant_handler granted_now;
    if (it->granted) granted_now = granted(*it);
    bool at_once = it->granted && !seam_ && !remote_;
    hold h(this, it, at_once);
    lock.unlock();
    if (!at_once && granted_now) granted_now(); // outside the mutex, as in release
    return h;
}

path_locks::grant_handler path_locks::granted(entry& e) {
    auto on_grant = std::exchange(e.on_grant, nullptr);
    if (!remote_) return on_grant;
    auto slot = e.remote = std::make_shared<remote_slot>();
    return [remote = remote_, claims = e.claims, slot, on_grant = std::move(on_grant)]() mutable {
        remote->take(std::move(claims), [slot, on_grant = std::move(on_grant)](remote_claims::held held) {
            {
                std::lock_guard lock(slot->mutex);
                if (slot->gone) return; // destroying `held` gives the claims back
                slot->held = std::move(held);
                slot->taken = true;
            }
            if (on_grant) on_grant();
        });
    };
}

bool path_locks::hold::remote_failed() const {
    if (!table_ || !table_->remote_) return false;
    std::shared_ptr<remote_slot> slot;
    {
        std::lock_guard lock(table_->mutex_);
        slot = it_->remote;
    }
    if (!slot) return false; // not granted here yet
    std::lock_guard lock(slot->mutex);
    return slot->taken && !slot->held;
}

void path_locks::release(std::list<entry>::iterator it) {
    std::vector<grant_handler> now_granted;
    std::shared_ptr<remote_slot> remote;
    {
        std::lock_guard lock(mutex_);
        remote = it->remote;
    }
    if (remote) {
        // The other nodes' claims go first, so a local request granted next finds them free there.
        remote_claims::held held;
        {
            std::lock_guard lock(remote->mutex);
            remote->gone = true;
            held = std::move(remote->held);
        }
    }
    {
        std::lock_guard lock(mutex_);
        entries_.erase(it);
        // A waiting request may go once nothing before it conflicts; a granted one after it never
        // conflicts with it (it was granted past it), so looking back is enough.
        for (auto waiting = entries_.begin(); waiting != entries_.end(); ++waiting) {
            if (waiting->granted || conflicts_before(waiting)) continue;
            waiting->granted = true;
            now_granted.push_back(granted(*waiting));
        }
    }
    // Outside the mutex: a handler may acquire or release (its own request's next step).
    for (auto& handler : now_granted)
        if (handler) handler();
}

std::size_t path_locks::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

} // namespace keepdav::locks
