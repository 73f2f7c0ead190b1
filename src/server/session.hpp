#pragma once
// One client connection: reads requests, hands them to the dav layer, runs long operations on the file
// system pool while 102s keep the client waiting, and writes every response — exactly one write in
// flight at any time.
#include "net.hpp"

#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace keepdav::server {

struct shared_state;

/** What a shutdown needs of a connection, whatever stream it runs on. */
class session_base {
public:
    virtual ~session_base() = default;
    /** Close once idle (between requests); a running request completes first. */
    virtual void post_close_when_idle() = 0;
    /** Stop the running operation (if any) and close now. */
    virtual void post_abort() = 0;
};

/**
 * Starts serving an accepted connection (over TLS when `tls` is given); the session keeps itself
 * alive while it has work.
 */
void start_session(tcp::socket socket, shared_state& state, net::ssl::context* tls);

void close_when_idle(const std::shared_ptr<session_base>& s);
void abort_session(const std::shared_ptr<session_base>& s);

} // namespace keepdav::server
