#pragma once
// Which way file bodies go out over TLS on this machine, said once at startup so an operator (and
// tests/bench/bench.sh) knows what a TLS download costs here.
#include <string>

namespace keepdav::server {

/** Whether this kernel can encrypt TLS records itself (the "tls" upper-layer protocol, CONFIG_TLS); the reason when not. */
struct kernel_tls_probe {
    bool available = false;
    std::string reason;
};
kernel_tls_probe probe_kernel_tls();

/** The log line: the path TLS file bodies take, and why not kernel TLS. */
std::string tls_send_path_line(const kernel_tls_probe& kernel);

} // namespace keepdav::server
