#include "server/request_origin.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace keepdav::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/** The last comma-separated member of a list field: the one the nearest proxy added. */
std::string_view last_member(std::string_view list) {
    auto comma = list.rfind(',');
    return trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
}

/** A value of Forwarded: a token or a quoted-string (RFC 7239 §4), unquoted. */
std::string unquote(std::string_view v) {
    if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
        if (v[i] == '\\' && i + 2 < v.size()) ++i;
        out.push_back(v[i]);
    }
    return out;
}

/** Whether `host` is a host[:port] with nothing else in it (no path, no user info). */
bool plain_authority(std::string_view host) {
    auto a = boost::urls::parse_authority(host);
    return a && !a->has_userinfo() && !a->encoded_host().empty();
}

/** A parameter of Forwarded's last element (RFC 7239 §4), unquoted; empty when it has none. */
std::string forwarded_parameter(std::string_view forwarded, std::string_view wanted) {
    std::string value;
    for (auto rest = last_member(forwarded); !rest.empty();) {
        auto semi = rest.find(';');
        auto pair = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && beast::iequals(trim(pair.substr(0, eq)), wanted))
            value = unquote(trim(pair.substr(eq + 1)));
    }
    return value;
}

/** A node of Forwarded's for= or of X-Forwarded-For, as an address: `[v6]:port`, `v4:port`, or bare. */
std::string node_address(std::string_view node) {
    if (node.starts_with('[')) {
        auto close = node.find(']');
        node = close == std::string_view::npos ? std::string_view() : node.substr(1, close - 1);
    } else if (std::count(node.begin(), node.end(), ':') == 1) {
        node = node.substr(0, node.find(':'));
    }
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(std::string(node), ec);
    return ec ? std::string() : address.to_string();
}

} // namespace

std::optional<request_origin> parse_public_url(std::string_view url) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u) return std::nullopt;
    auto scheme = u->scheme();
    bool https = beast::iequals(scheme, "https");
    if (!https && !beast::iequals(scheme, "http")) return std::nullopt;
    if (!u->has_authority() || u->has_userinfo() || u->encoded_host().empty() || u->has_query() || u->has_fragment())
        return std::nullopt;
    if (!u->encoded_path().empty() && u->encoded_path() != "/") return std::nullopt; // keepdav serves its root at /
    return request_origin{https, std::string(u->encoded_host_and_port())};
}

request_origin origin_of(const http::fields& fields, bool tls, bool trusted_peer,
                         const std::optional<request_origin>& public_url) {
    if (public_url) return *public_url;
    request_origin o{tls, std::string(fields[http::field::host])};
    if (!trusted_peer) return o;
    std::string proto, host;
    if (auto forwarded = fields["Forwarded"]; !forwarded.empty()) {
        proto = forwarded_parameter(forwarded, "proto");
        host = forwarded_parameter(forwarded, "host");
    } else {
        proto = std::string(last_member(fields["X-Forwarded-Proto"]));
        host = std::string(last_member(fields["X-Forwarded-Host"]));
    }
    if (beast::iequals(proto, "https")) o.https = true;
    else if (beast::iequals(proto, "http")) o.https = false;
    if (!host.empty() && plain_authority(host)) o.host = host;
    return o;
}

std::string client_address_of(const http::fields& fields, const std::string& peer, bool trusted_peer) {
    if (!trusted_peer) return peer;
    std::string node;
    if (auto forwarded = fields["Forwarded"]; !forwarded.empty()) {
        node = forwarded_parameter(forwarded, "for");
    } else {
        node = std::string(last_member(fields["X-Forwarded-For"]));
    }
    auto address = node_address(node);
    return address.empty() ? peer : address;
}

} // namespace keepdav::server
