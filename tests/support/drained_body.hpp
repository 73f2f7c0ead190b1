#pragma once
// A streamed body read to its end without a server: its producer on a thread of its own, the test's
// thread consuming the pipe as the server's sender would (take, or wait to be woken). Every wait has a
// deadline: a producer that neither sends nor ends fails the test instead of hanging it.
#include "dav/reply.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace keepdav::test {

struct drained_body {
    std::string bytes;
    dav::body_pipe::state end = dav::body_pipe::state::open;
    std::size_t batches = 0;       ///< takes that returned something
    std::size_t largest_batch = 0; ///< the most bytes one take returned
};

/** Runs `body`'s producer with `stop` and collects everything it sends, until the body ends. */
inline drained_body drain(const dav::streamed_body& body, std::stop_token stop = {},
                          std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    auto& pipe = *body.pipe;
    std::jthread producer([&] {
        body.produce(pipe, stop);
        pipe.fail(); // as the server does: a producer that returns without ending the body failed it
    });
    std::mutex mutex;
    std::condition_variable woken_up;
    bool woken = false;
    drained_body out;
    for (;;) {
        auto batch = pipe.take_or_wake([&] {
            std::lock_guard lock(mutex);
            woken = true;
            woken_up.notify_one();
        });
        if (!batch) {
            std::unique_lock lock(mutex);
            if (!woken_up.wait_for(lock, deadline, [&] { return woken; })) {
                lock.unlock();
                pipe.cancel(); // calls the kept wake now, while what it refers to still lives
                throw std::runtime_error("drain: the producer neither sent nor ended within the deadline");
            }
            woken = false;
            continue;
        }
        ++out.batches;
        std::size_t before = out.bytes.size();
        for (const auto& chunk : batch->chunks) out.bytes += chunk;
        out.largest_batch = std::max(out.largest_batch, out.bytes.size() - before);
        if (batch->end != dav::body_pipe::state::open) {
            out.end = batch->end;
            return out;
        }
    }
}

} // namespace keepdav::test
