#include "dav/claims.hpp"

#include "dav/target.hpp"

namespace keepdav::dav {

std::vector<locks::path_claim> claims_for(const request_header& head, bool tls, std::string_view host,
                                           std::string_view prefix) {
    std::vector<locks::path_claim> claims;
    auto method = head.method();
    bool copy = method == http::verb::copy;
    bool writes = copy || method == http::verb::move || method == http::verb::put || method == http::verb::patch || method == http::verb::delete_ ||
                  method == http::verb::mkcol || method == http::verb::proppatch || method == http::verb::lock ||
                  method == http::verb::unlock;
    if (!writes) return claims;
    auto target = parse_target(head.target(), prefix);
    if (!target) return claims;
    claims.push_back({target->rel, !copy});
    if (copy || method == http::verb::move) {
        auto destination = head[http::field::destination];
        if (destination.empty()) return claims;
        if (auto dst = parse_destination(destination, host, tls, prefix)) claims.push_back({dst->rel, true});
    }
    return claims;
}

} // namespace keepdav::dav
