#pragma once
// Waiting for a state the test cannot be told about (a descriptor closed, a line in a file): poll it,
// with a deadline, instead of sleeping for a guessed time.
#include <chrono>
#include <thread>

namespace keepdav::test {

/** True as soon as `condition()` holds; false if it still does not at the deadline. */
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= until) return condition();
        // The pace of the poll, not a wait for the event: the deadline above bounds the wait.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

} // namespace keepdav::test
