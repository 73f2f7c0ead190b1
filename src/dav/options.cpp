#include "dav/methods.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

outcome handle_options(const request&, const context& ctx, const resource_path&) {
    auto r = empty_reply(http::status::ok);
    r.fields.set(http::field::allow, allowed_methods);
    // sabre/dav's clients look for its partial-update token in DAV (https://sabre.io/dav/http-patch/);
    // Accept-Patch (RFC 5789 §3.1) names the one patch format PATCH takes.
    r.fields.set(http::field::dav, ctx.locks ? "1, 2, sabredav-partialupdate" : "1, sabredav-partialupdate");
    // Resumable uploads (kept in the state directory) append with application/partial-upload: a
    // resource that takes them says so (draft-ietf-httpbis-resumable-upload-15 §4.1.4).
    r.fields.set("Accept-Patch", ctx.config.state_dir.empty() ? "application/x-sabredav-partialupdate"
                                                              : "application/x-sabredav-partialupdate, application/partial-upload");
    r.fields.set("MS-Author-Via", "DAV"); // Windows' WebDAV redirector looks for it
    return r;
}

} // namespace keepdav::dav
