#include "service_manager.hpp"

#include "log.hpp"

#include <cstring>
#include <string>

#include <systemd/sd-daemon.h>

namespace keepdav {

std::vector<int> inherited_sockets() {
    int n = ::sd_listen_fds(1);
    if (n < 0) log::warning(std::string("LISTEN_FDS: ") + std::strerror(-n) + "; no socket inherited");
    std::vector<int> out;
    for (int i = 0; i < n; ++i) out.push_back(SD_LISTEN_FDS_START + i);
    return out;
}

void notify_service_manager(std::string_view state) {
    int sent = ::sd_notify(0, std::string(state).c_str());
    if (sent < 0) log::warning("could not tell the service manager " + std::string(state) + ": " + std::strerror(-sent));
}

} // namespace keepdav
