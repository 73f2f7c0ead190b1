#include "dav/target.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

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
        }
        return "unknown target error";
    }
};

boost::system::result<resource_path> from_url(const boost::urls::url_view& url) {
    resource_path out;
    std::string rel;
    bool last_empty = false;
    for (auto segment : url.segments()) {
        std::string decoded = segment;
        last_empty = decoded.empty();
        if (decoded.empty()) continue; // "a//b" means "a/b"
        if (decoded == "." || decoded == ".." || decoded.find('/') != std::string::npos ||
            decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos)
            return make_error_code(target_errc::forbidden_segment);
        if (!rel.empty()) rel.push_back('/');
        rel.append(decoded);
    }
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

boost::system::result<resource_path> parse_target(std::string_view target) {
    if (target.starts_with('/')) {
        auto url = boost::urls::parse_origin_form(target);
        if (!url) return make_error_code(target_errc::malformed);
        return from_url(*url);
    }
    auto url = boost::urls::parse_absolute_uri(target); // absolute-form (RFC 9112 §3.2.2)
    if (!url) return make_error_code(target_errc::malformed);
    return from_url(*url);
}

boost::system::result<resource_path> parse_destination(std::string_view destination, std::string_view host_header,
                                                       bool tls) {
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
    return from_url(*url);
}

std::string href_for(std::string_view rel, bool collection) {
    std::string out = "/";
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

} // namespace keepdav::dav
