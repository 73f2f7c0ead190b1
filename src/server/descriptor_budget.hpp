#pragma once
// How many connections the process can hold with the descriptors it may open. A connection that is
// accepted and then cannot open the file it asks for fails worse (a 5xx mid-request, or an accept
// loop that spins) than one refused at the door with 503.
#include <cstdint>

namespace keepdav::server {

/**
 * The default connection cap for a descriptor limit `nofile`: each connection may hold two
 * descriptors at once (its socket, and the file it serves or the upload it writes); each file system
 * worker up to 16 (a tree walk holds a chain of directories on both sides of a COPY); and 64 stay
 * for the process (listeners, logs, the state file, the open-file cache). At least 8, at most 10,000.
 */
unsigned default_max_connections(std::uint64_t nofile, unsigned fs_threads);

} // namespace keepdav::server
