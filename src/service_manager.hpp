#pragma once
// What systemd hands keepdav and is told by it (sd-daemon(3)): the listening sockets of socket
// activation, and the readiness and stopping notices of Type=notify. Outside systemd, nothing.
#include <string_view>
#include <vector>

namespace keepdav {

/**
 * The listening sockets passed by the service manager (LISTEN_FDS, for this process's LISTEN_PID),
 * from descriptor 3 on; empty when none. The variables are unset, so no child takes them for its own.
 */
std::vector<int> inherited_sockets();

/** Sends `state` ("READY=1", "STOPPING=1") to NOTIFY_SOCKET; does nothing when it is not set. */
void notify_service_manager(std::string_view state);

} // namespace keepdav
