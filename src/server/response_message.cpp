#include "server/response_message.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>

namespace keepdav::server {

namespace {

template <class Body>
http::response<Body> start(dav::reply& r, const response_framing& f) {
    http::response<Body> res{r.status, f.version >= 11 ? 11u : 10u};
    static_cast<http::fields&>(res) = std::move(r.fields);
    res.set(http::field::server, "keepdav");
    res.set(http::field::date, f.date);
    res.keep_alive(f.keep_alive && !r.close_connection);
    return res;
}

} // namespace

http::message_generator make_response(dav::reply&& r, const response_framing& f) {
    bool chunked = r.chunked && f.version >= 11;
    if (f.head || std::holds_alternative<std::monostate>(r.body)) {
        auto size = r.body_size();
        auto res = start<http::empty_body>(r, f);
        if (f.head && size > 0)
            res.content_length(size);
        else if (f.head && r.chunked) {
            // A body made while it is sent (an index): HEAD cannot know its length, so it names none.
        } else if (r.status != http::status::no_content && r.status != http::status::not_modified &&
                 static_cast<unsigned>(r.status) >= 200)
            res.content_length(0);
        return res;
    }
    if (auto* text = std::get_if<std::string>(&r.body)) {
        auto res = start<http::string_body>(r, f);
        res.body() = std::move(*text);
        if (chunked) res.chunked(true);
        else res.prepare_payload();
        return res;
    }
    if (!chunked) return file_response(std::move(r), f);
    auto res = start<fd_range_body>(r, f);
    res.body() = std::get<dav::file_range>(r.body);
    res.chunked(true);
    return res;
}

http::response<http::empty_body> streamed_head(dav::reply&& r, const response_framing& f) {
    auto res = start<http::empty_body>(r, f);
    if (f.version >= 11) res.chunked(true);
    else res.keep_alive(false);
    return res;
}

bool ends_connection(const dav::reply& r, unsigned version) {
    return r.close_connection || (version < 11 && std::holds_alternative<dav::streamed_body>(r.body));
}

http::response<fd_range_body> file_response(dav::reply&& r, const response_framing& f) {
    auto res = start<fd_range_body>(r, f);
    res.body() = std::get<dav::file_range>(r.body);
    res.content_length(res.body().length);
    return res;
}

std::string small_file_head(const dav::reply& r, const response_framing& f, std::uint64_t length) {
    std::string out;
    out.reserve(512);
    out += f.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    out += std::to_string(static_cast<unsigned>(r.status));
    out.push_back(' ');
    out += http::obsolete_reason(r.status);
    out += "\r\n";
    for (const auto& field : r.fields) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "Server: keepdav\r\nDate: ";
    out += f.date;
    out += "\r\n";
    // What Beast's keep_alive() sets: HTTP/1.1 persists unless told, HTTP/1.0 only if told.
    bool keep_alive = f.keep_alive && !r.close_connection;
    if (f.version >= 11 && !keep_alive) out += "Connection: close\r\n";
    if (f.version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
    out += "Content-Length: ";
    out += std::to_string(length);
    out += "\r\n\r\n";
    return out;
}

} // namespace keepdav::server
