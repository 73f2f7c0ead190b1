#include "server/trusted_proxies.hpp"

#include <stdexcept>

namespace keepdav::server {

trusted_proxies::trusted_proxies(const std::vector<std::string>& cidrs) {
    for (const auto& text : cidrs) {
        boost::system::error_code ec;
        auto slash = text.find('/');
        auto address = net::ip::make_address(text.substr(0, slash), ec);
        unsigned prefix = address.is_v4() ? 32 : 128;
        if (!ec && slash != std::string::npos) {
            auto digits = text.substr(slash + 1);
            if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos ||
                std::stoul(digits) > prefix)
                ec = net::error::invalid_argument;
            else
                prefix = static_cast<unsigned>(std::stoul(digits));
        }
        if (ec) throw std::invalid_argument("not an address or CIDR: \"" + text + "\"");
        if (address.is_v4())
            networks_.emplace_back(net::ip::network_v4(address.to_v4(), static_cast<unsigned short>(prefix)).canonical());
        else
            networks_.emplace_back(net::ip::network_v6(address.to_v6(), static_cast<unsigned short>(prefix)).canonical());
    }
}

bool trusted_proxies::contains(const net::ip::address& peer) const {
    auto address = peer;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    for (const auto& network : networks_) {
        if (const auto* v4 = std::get_if<net::ip::network_v4>(&network)) {
            if (address.is_v4() &&
                net::ip::network_v4(address.to_v4(), v4->prefix_length()).canonical() == *v4)
                return true;
        } else {
            const auto& v6 = std::get<net::ip::network_v6>(network);
            if (address.is_v6() && net::ip::network_v6(address.to_v6(), v6.prefix_length()).canonical() == v6)
                return true;
        }
    }
    return false;
}

} // namespace keepdav::server
