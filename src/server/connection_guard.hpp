#pragma once
// The one guard every completion of a connection goes through. Once the connection is closed, a
// completion does nothing (a read cancelled by a shutdown is no client error, and nothing is written
// to a closed socket). An exception thrown while serving it (a bug, a limit a library enforces by
// throwing, memory) is handed to the connection, which logs it and closes itself alone; the I/O
// thread and every other connection go on.
#include <exception>
#include <memory>
#include <utility>

namespace keepdav::server {

/** `Connection` has `bool closed() const` and `void contain(const char* what) noexcept`. */
template <class Connection, class Handler>
auto guard_completion(std::shared_ptr<Connection> connection, Handler handler) {
    return [self = std::move(connection), handler = std::move(handler)](auto&&... args) mutable {
        if (self->closed()) return;
        try {
            handler(std::forward<decltype(args)>(args)...);
        } catch (const std::exception& e) {
            self->contain(e.what());
        } catch (...) {
            self->contain("unknown exception");
        }
    };
}

} // namespace keepdav::server
