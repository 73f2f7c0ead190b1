#include "dav/body_pipe.hpp"

#include <utility>

namespace keepdav::dav {

bool body_pipe::push(std::string chunk, std::stop_token stop) {
    if (chunk.empty()) return true;
    std::unique_lock lock(mutex_);
    bool room = room_.wait(lock, stop, [&] {
        return state_ != state::open || queued_ == 0 || queued_ + chunk.size() <= capacity_;
    });
    if (!room || state_ != state::open) return false;
    queued_ += chunk.size();
    chunks_.push_back(std::move(chunk));
    wake_consumer(lock);
    return true;
}

void body_pipe::finish() {
    std::unique_lock lock(mutex_);
    if (state_ != state::open) return;
    state_ = state::finished;
    wake_consumer(lock);
}

void body_pipe::fail() {
    std::unique_lock lock(mutex_);
    if (state_ != state::open) return;
    state_ = state::failed;
    wake_consumer(lock);
}

std::optional<body_pipe::batch> body_pipe::take_or_wake(std::function<void()> wake) {
    std::unique_lock lock(mutex_);
    if (chunks_.empty() && state_ == state::open) {
        wake_ = std::move(wake);
        return std::nullopt;
    }
    batch out{std::move(chunks_), state_};
    chunks_.clear();
    queued_ = 0;
    lock.unlock();
    room_.notify_all();
    return out;
}

void body_pipe::cancel() {
    std::unique_lock lock(mutex_);
    if (state_ == state::finished && chunks_.empty()) return;
    state_ = state::cancelled;
    chunks_.clear();
    queued_ = 0;
    room_.notify_all();
    wake_consumer(lock);
}

std::size_t body_pipe::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return queued_;
}

void body_pipe::wake_consumer(std::unique_lock<std::mutex>& lock) {
    auto wake = std::exchange(wake_, nullptr);
    lock.unlock();
    if (wake) wake();
}

} // namespace keepdav::dav
