#include "dav/target.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace keepdav::dav {

namespace {

class target_category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "keepdav.target"; }
    std::string message(int ev) const override {
        switch (static_cast<target_errc>(ev)) {
        case target_errc::malformed: return "not a valid URL";
        case target_errc::forbidden_segment: return "path segment not allowed (\"..\", \".\", NUL or an encoded '/')";
        case target_errc::other_server: return "destination is on another server";
        case target_errc::outside_prefix: return "not under the path this server serves (--prefix)";
        }
        return "unknown target error";
    }
};

/**
 * The path beneath the root that `url` names. Under a prefix, its first segments must be the
 * prefix's, compared decoded ("/d%61v" is "/dav"), and are taken off.
 */
boost::system::result<resource_path> from_url(const boost::urls::url_view& url, std::string_view prefix) {
    resource_path out;
    std::string rel;
    bool last_empty = false;
    if (!prefix.empty()) prefix.remove_prefix(1);
    for (auto segment : url.segments()) {
        std::string decoded = segment;
        last_empty = decoded.empty();
        if (decoded.empty()) continue; // "a//b" means "a/b"
        if (!prefix.empty()) {
            auto end = std::min(prefix.find('/'), prefix.size());
            if (decoded != prefix.substr(0, end)) return make_error_code(target_errc::outside_prefix);
            prefix.remove_prefix(std::min(end + 1, prefix.size()));
            last_empty = false;
            continue;
        }
        if (decoded == "." || decoded == ".." || decoded.find('/') != std::string::npos ||
            decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos)
            return make_error_code(target_errc::forbidden_segment);
        if (!rel.empty()) rel.push_back('/');
        rel.append(decoded);
    }
    if (!prefix.empty()) return make_error_code(target_errc::outside_prefix);
    out.trailing_slash = last_empty || rel.empty();
    out.rel = std::move(rel);
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/** host[:port] with the scheme's default port made explicit, lower-cased. */
std::string authority_key(std::string_view host, std::string_view port, bool tls) {
    return lower(host) + ":" + (port.empty() ? std::string(tls ? "443" : "80") : std::string(port));
}

} // namespace

const boost::system::error_category& target_category() {
    static const target_category_impl category;
    return category;
}

boost::system::error_code make_error_code(target_errc e) { return {static_cast<int>(e), target_category()}; }

std::optional<std::string> namespace_member(std::string_view target, std::string_view prefix, std::string_view name) {
    auto path = parse_target(target, prefix);
    if (!path) return std::nullopt;
    std::string_view rel = path->rel;
    if (!rel.starts_with(name)) return std::nullopt;
    rel.remove_prefix(name.size());
    if (rel.empty()) return std::string();
    if (rel.front() != '/') return std::nullopt;
    return std::string(rel.substr(1));
}

boost::system::result<resource_path> parse_target(std::string_view target, std::string_view prefix) {
    if (target.starts_with('/')) {
        auto url = boost::urls::parse_origin_form(target);
        if (!url) return make_error_code(target_errc::malformed);
        return from_url(*url, prefix);
    }
    auto url = boost::urls::parse_absolute_uri(target); // absolute-form (RFC 9112 §3.2.2)
    if (!url) return make_error_code(target_errc::malformed);
    return from_url(*url, prefix);
}

boost::system::result<resource_path> parse_destination(std::string_view destination, std::string_view host_header,
                                                       bool tls, std::string_view prefix) {
    auto url = boost::urls::parse_uri_reference(destination);
    if (!url) return make_error_code(target_errc::malformed);
    if (url->has_scheme()) {
        auto scheme = lower(url->scheme());
        if (scheme != "http" && scheme != "https") return make_error_code(target_errc::other_server);
        if ((scheme == "https") != tls) return make_error_code(target_errc::other_server);
        auto host = boost::urls::parse_authority(host_header);
        if (!host) return make_error_code(target_errc::other_server);
        if (authority_key(url->encoded_host(), url->port(), tls) !=
            authority_key(host->encoded_host(), host->port(), tls))
            return make_error_code(target_errc::other_server);
    } else if (!url->is_path_absolute()) {
        return make_error_code(target_errc::malformed);
    }
    return from_url(*url, prefix);
}

std::string href_for(std::string_view rel, bool collection, std::string_view prefix) {
    std::string out(prefix);
    out.push_back('/');
    std::size_t start = 0;
    while (start < rel.size()) {
        auto end = rel.find('/', start);
        if (end == std::string_view::npos) end = rel.size();
        out += boost::urls::encode(rel.substr(start, end - start), boost::urls::pchars);
        if (end < rel.size()) out.push_back('/');
        start = end + 1;
    }
    if (collection && !rel.empty()) out.push_back('/');
    return out;
}

std::string normalize_prefix(std::string_view prefix) {
    std::string out;
    std::size_t start = 0;
    while (start <= prefix.size()) {
        auto end = std::min(prefix.find('/', start), prefix.size());
        auto segment = prefix.substr(start, end - start);
        start = end + 1;
        bool edge = end == prefix.size() || start == 1; // "/dav/" and "dav" are welcome
        if (segment.empty()) {
            if (edge) continue;
            throw std::invalid_argument("an empty segment (\"//\")");
        }
        if (segment == "." || segment == "..") throw std::invalid_argument("a \".\" or \"..\" segment");
        for (char c : segment)
            if (c == '%' || !boost::urls::pchars(c))
                throw std::invalid_argument(std::string("the character '") + c + "' (letters, digits and -._~!$&'()*+,;=:@ only)");
        out += "/";
        out += segment;
    }
    return out;
}

} // namespace keepdav::dav
