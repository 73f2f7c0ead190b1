#pragma once
// --trusted-proxy CIDR: the peers that are the operator's own reverse proxies.
#include "net.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <string>
#include <variant>
#include <vector>

namespace keepdav::server {

class trusted_proxies {
public:
    /** Parses `a.b.c.d/n`, `v6::/n` or a bare address; throws std::invalid_argument naming a bad one. */
    explicit trusted_proxies(const std::vector<std::string>& cidrs);

    bool empty() const { return networks_.empty(); }
    /** Whether `peer` (an IPv4-mapped IPv6 address counts as its IPv4 one) lies in any of them. */
    bool contains(const net::ip::address& peer) const;

private:
    std::vector<std::variant<net::ip::network_v4, net::ip::network_v6>> networks_;
};

} // namespace keepdav::server
