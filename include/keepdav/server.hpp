#pragma once
// A keepdav server in this process: what main() runs and what integration tests start on port 0.
#include <keepdav/config.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keepdav {

class instance {
public:
    explicit instance(server_config config);
    ~instance();
    instance(const instance&) = delete;
    instance& operator=(const instance&) = delete;

    /**
     * Opens the root, binds every listen address and starts serving on background threads.
     * Throws std::runtime_error with a readable message when the root or an address is unusable.
     */
    void start();

    /** The bound addresses, with the real port where 0 was asked for. */
    std::vector<listen_address> endpoints() const;

    /**
     * Stops accepting, closes idle connections, lets running requests finish (still sending 102s)
     * for up to the configured grace period, then stops what is left and joins every thread.
     */
    void stop();

    /**
     * Replaces the users (--auth-file, [[user]] entries, --anonymous) with those of `fresh`, without
     * touching connections: requests already admitted finish as the users they started as. Answers
     * an empty string, or why nothing changed (the old users stay).
     */
    std::string reload_users(const server_config& fresh);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace keepdav
