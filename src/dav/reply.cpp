#include "dav/reply.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

std::uint64_t reply::body_size() const {
    if (auto* text = std::get_if<std::string>(&body)) return text->size();
    if (auto* range = std::get_if<file_range>(&body)) return range->length;
    return 0;
}

reply error_reply(http::status status, std::string_view detail) {
    reply r;
    r.status = status;
    std::string text = std::to_string(static_cast<unsigned>(status)) + " " + std::string(http::obsolete_reason(status));
    if (!detail.empty()) text.append(": ").append(detail);
    text.push_back('\n');
    r.body = std::move(text);
    r.fields.set(http::field::content_type, "text/plain; charset=utf-8");
    // Every 503 this server answers is momentary (out of descriptors, an operation stopped): say
    // when to come back (RFC 9110 §10.2.3, §15.6.4).
    if (status == http::status::service_unavailable) r.fields.set(http::field::retry_after, "1");
    return r;
}

reply empty_reply(http::status status) {
    reply r;
    r.status = status;
    return r;
}

} // namespace keepdav::dav
