#include "dav/body_pipe.hpp"

#include "fs/io.hpp"

#include <algorithm>
#include <utility>

#include <unistd.h>

namespace keepdav::dav {

bool body_pipe::push(std::string chunk, std::stop_token stop) {
    if (chunk.empty()) return true;
    std::unique_lock lock(mutex_);
    if (state_ != state::open) return false;
    // Behind what is in the file, the chunk must follow it there; otherwise the consumer gets its
    // moment to make room before anything goes to disk.
    if (!overflow_pending() && !overflow_directory_.empty() && !overflow_unusable_)
        room_.wait_for(lock, stop, spill_after_, [&] { return room_for(chunk); });
    if (state_ != state::open || stop.stop_requested()) return false;
    if (spill(chunk)) {
        bool open = state_ == state::open; // read under the lock: a cancel() may come once it is released
        wake_consumer(lock);
        return open;
    }
    bool room = room_.wait(lock, stop, [&] { return room_for(chunk); });
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
    if (chunks_.empty() && overflow_pending() && state_ != state::cancelled) return take_overflow();
    if (chunks_.empty() && state_ == state::open) {
        wake_ = std::move(wake);
        return std::nullopt;
    }
    // What is in memory came before what overflowed: the end is reported after the overflow too.
    batch out{std::move(chunks_), overflow_pending() && state_ == state::finished ? state::open : state_};
    chunks_.clear();
    queued_ = 0;
    lock.unlock();
    room_.notify_all();
    return out;
}

void body_pipe::cancel() {
    std::unique_lock lock(mutex_);
    if (state_ == state::finished && chunks_.empty() && !overflow_pending()) return;
    state_ = state::cancelled;
    chunks_.clear();
    queued_ = 0;
    overflow_read_ = overflow_end_ = 0;
    room_.notify_all();
    wake_consumer(lock);
}

std::size_t body_pipe::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return queued_;
}

bool body_pipe::drained() const {
    std::lock_guard lock(mutex_);
    return state_ != state::open && chunks_.empty() && !overflow_pending();
}

std::uint64_t body_pipe::overflow_bytes() const {
    std::lock_guard lock(mutex_);
    return overflow_end_ - overflow_read_;
}

bool body_pipe::spill(const std::string& chunk) {
    bool behind = overflow_pending() || (queued_ > 0 && queued_ + chunk.size() > capacity_);
    if (!behind || overflow_directory_.empty() || overflow_unusable_) return false;
    if (!overflow_) {
        auto file = fs::open_scratch_file(overflow_directory_);
        if (!file) {
            overflow_unusable_ = true; // the producer waits for the consumer instead
            return false;
        }
        overflow_ = std::move(*file);
    }
    if (fs::pwrite_all(overflow_.get(), chunk.data(), chunk.size(), overflow_end_)) {
        // Part of the body is in the file already: queueing the rest in memory would reorder it.
        overflow_unusable_ = true;
        if (!overflow_pending()) return false;
        state_ = state::failed;
        room_.notify_all();
        return true;
    }
    overflow_end_ += chunk.size();
    return true;
}

body_pipe::batch body_pipe::take_overflow() {
    auto size = static_cast<std::size_t>(std::min<std::uint64_t>(capacity_, overflow_end_ - overflow_read_));
    std::string piece(size, '\0');
    if (fs::pread_exact(overflow_.get(), piece.data(), size, overflow_read_)) {
        state_ = state::failed;
        room_.notify_all();
        return {{}, state_};
    }
    overflow_read_ += size;
    if (!overflow_pending()) {
        // Caught up: later chunks go to memory again, and the file gives its space back.
        overflow_read_ = overflow_end_ = 0;
        (void)::ftruncate(overflow_.get(), 0);
    }
    std::vector<std::string> chunks;
    chunks.push_back(std::move(piece));
    return {std::move(chunks), overflow_pending() ? state::open : state_};
}

void body_pipe::wake_consumer(std::unique_lock<std::mutex>& lock) {
    auto wake = std::exchange(wake_, nullptr);
    lock.unlock();
    if (wake) wake();
}

} // namespace keepdav::dav
