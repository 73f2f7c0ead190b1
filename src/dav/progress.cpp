#include "dav/progress.hpp"

namespace keepdav::dav {

void operation_progress::item_done(unsigned status, std::string_view rel, bool collection) {
    items_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    if (recent_.size() == recent_limit) recent_.pop_front();
    recent_.push_back({status, std::string(rel), collection});
}

operation_progress::counts operation_progress::peek() const {
    counts c;
    c.items = items_.load(std::memory_order_relaxed);
    c.bytes = bytes_.load(std::memory_order_relaxed);
    c.items_total = items_total_.load(std::memory_order_relaxed);
    c.bytes_total = bytes_total_.load(std::memory_order_relaxed);
    return c;
}

operation_progress::snapshot operation_progress::take() {
    snapshot s;
    static_cast<counts&>(s) = peek();
    std::lock_guard lock(mutex_);
    s.recent.assign(std::make_move_iterator(recent_.begin()), std::make_move_iterator(recent_.end()));
    recent_.clear();
    return s;
}

} // namespace keepdav::dav
