#include "dav/methods.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

outcome handle_options(const request&, const context& ctx, const resource_path&) {
    auto r = empty_reply(http::status::ok);
    r.fields.set(http::field::allow, allowed_methods);
    r.fields.set(http::field::dav, ctx.locks ? "1, 2" : "1");
    r.fields.set("MS-Author-Via", "DAV"); // Windows' WebDAV redirector looks for it
    return r;
}

} // namespace keepdav::dav
