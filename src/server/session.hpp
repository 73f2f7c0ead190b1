#pragma once
// One client connection: reads requests, hands them to the dav layer, runs long operations on the file
// system pool while 102s keep the client waiting, and writes every response — exactly one write in
// flight at any time.
#include "net.hpp"

#include <memory>

namespace keepdav::server {

struct shared_state;

/** Starts serving an accepted connection; the session keeps itself alive while it has work. */
void start_session(tcp::socket socket, shared_state& state);

/** Asks a session to close once it is idle (between requests); a running request completes first. */
void close_when_idle(const std::shared_ptr<class session>& s);
/** Stops a session's running operation (if any) and closes it now. */
void abort_session(const std::shared_ptr<class session>& s);

} // namespace keepdav::server
