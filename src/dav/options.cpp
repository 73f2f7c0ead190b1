#include "dav/methods.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

outcome handle_options(const request&, const context& ctx, const resource_path&) {
    auto r = empty_reply(http::status::ok);
    r.fields.set(http::field::allow, allowed_methods);
    // sabre/dav's clients look for its partial-update token in DAV (https://sabre.io/dav/http-patch/);
    // Accept-Patch (RFC 5789 §3.1) names the one patch format PATCH takes.
    r.fields.set(http::field::dav, ctx.locks ? "1, 2, sabredav-partialupdate" : "1, sabredav-partialupdate");
    r.fields.set("Accept-Patch", "application/x-sabredav-partialupdate");
    r.fields.set("MS-Author-Via", "DAV"); // Windows' WebDAV redirector looks for it
    return r;
}

} // namespace keepdav::dav
