#include <keepdav/probe.hpp>

#include "json.hpp"
#include "net.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdio>

namespace keepdav::probe {

namespace {

using clock = std::chrono::steady_clock;
using boost::system::error_code;

double since(clock::time_point start) { return std::chrono::duration<double>(clock::now() - start).count(); }

response_event event_from(const http::response_header<>& head, double t) {
    response_event e;
    e.t = t;
    e.status = head.result_int();
    e.reason = std::string(head.reason());
    for (const auto& f : head) e.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    return e;
}

/** Runs one asynchronous step to completion on `ioc`, with the stream's timeout armed. */
template <class Start>
error_code run_step(net::io_context& ioc, Start start) {
    error_code result;
    start([&](error_code ec, std::size_t = 0) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

} // namespace

std::string response_event::field(std::string_view name) const {
    for (const auto& h : headers)
        if (beast::iequals(h.name, name)) return h.value;
    return {};
}

transcript run(const request& req, const std::function<void(const response_event&)>& on_interim) {
    transcript out;
    auto url = urls::parse_uri(req.url);
    if (!url || url->scheme() != "http" || url->host().empty()) {
        out.error = "not an http:// URL: " + req.url;
        return out;
    }
    std::string host = url->host();
    std::string port = url->has_port() ? std::string(url->port()) : "80";
    std::string target = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    if (url->has_query()) target += "?" + std::string(url->encoded_query());
    auto timeout = std::chrono::milliseconds(static_cast<long long>(req.read_timeout * 1000));

    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        out.error = "cannot resolve " + host + ": " + ec.message();
        return out;
    }
    stream.expires_after(timeout);
    ec = run_step(ioc, [&](auto handler) {
        stream.async_connect(endpoints, [handler](error_code e, const tcp::endpoint&) mutable { handler(e); });
    });
    if (ec) {
        out.timed_out = ec == beast::error::timeout;
        out.error = "cannot connect to " + host + ":" + port + ": " + ec.message();
        return out;
    }

    http::request<http::string_body> message{http::string_to_verb(req.method), target, req.http_version};
    if (message.method() == http::verb::unknown) message.method_string(req.method);
    message.set(http::field::host, url->encoded_host_and_port());
    message.set(http::field::user_agent, "keepdav-probe");
    for (const auto& h : req.headers) message.set(h.name, h.value);
    message.body() = req.body;
    if (!req.body.empty() || message.method() == http::verb::put || message.method() == http::verb::post)
        message.prepare_payload();

    stream.expires_after(timeout);
    ec = run_step(ioc, [&](auto handler) { http::async_write(stream, message, handler); });
    auto sent = clock::now();
    auto last_arrival = sent;
    if (ec) {
        out.error = "sending the request failed: " + ec.message();
        return out;
    }

    beast::flat_buffer buffer;
    auto note_arrival = [&] {
        auto now = clock::now();
        out.longest_silence = std::max(out.longest_silence, std::chrono::duration<double>(now - last_arrival).count());
        last_arrival = now;
    };
    for (;;) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        if (message.method() == http::verb::head) parser.skip(true);
        // Read piece by piece, re-arming the timeout each time: a read timeout, like a real client's.
        while (!parser.is_header_done()) {
            stream.expires_after(timeout);
            std::size_t before = buffer.size();
            ec = run_step(ioc, [&](auto handler) { http::async_read_some(stream, buffer, parser, handler); });
            if (ec) break;
            if (buffer.size() != before || parser.is_header_done()) note_arrival();
        }
        if (ec) break;
        auto event = event_from(parser.get().base(), since(sent));
        if (event.status >= 100 && event.status < 200) {
            out.interim.push_back(event);
            if (on_interim) on_interim(out.interim.back());
            continue;
        }
        out.final_response = std::move(event);
        while (!parser.is_done()) {
            stream.expires_after(timeout);
            ec = run_step(ioc, [&](auto handler) { http::async_read_some(stream, buffer, parser, handler); });
            if (ec) break;
            note_arrival();
            auto& body = parser.get().body();
            out.body_bytes += body.size();
            if (out.body.size() < req.keep_body_bytes)
                out.body.append(body, 0, std::min(body.size(), req.keep_body_bytes - out.body.size()));
            body.clear();
        }
        if (!ec) {
            auto& body = parser.get().body();
            out.body_bytes += body.size();
            if (out.body.size() < req.keep_body_bytes)
                out.body.append(body, 0, std::min(body.size(), req.keep_body_bytes - out.body.size()));
        }
        break;
    }
    out.total = since(sent);
    out.longest_silence = std::max(out.longest_silence, std::chrono::duration<double>(clock::now() - last_arrival).count());
    if (ec) {
        out.timed_out = ec == beast::error::timeout;
        out.error = out.timed_out ? "read timeout: nothing arrived for " + std::to_string(req.read_timeout) + " s"
                                  : "reading the response failed: " + ec.message();
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
}

namespace {

std::string json_event(const response_event& e) {
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", e.t);
    std::string out = std::string("{\"t\":") + t + ",\"status\":" + std::to_string(e.status) +
                      ",\"reason\":" + json_string(e.reason) + ",\"headers\":{";
    for (std::size_t i = 0; i < e.headers.size(); ++i)
        out += (i ? "," : "") + json_string(e.headers[i].name) + ":" + json_string(e.headers[i].value);
    return out + "}}";
}

} // namespace

std::string to_json(const transcript& t) {
    std::string out = "{\"interim\":[";
    for (std::size_t i = 0; i < t.interim.size(); ++i) out += (i ? "," : "") + json_event(t.interim[i]);
    out += "],\"final\":" + (t.final_response ? json_event(*t.final_response) : std::string("null"));
    char numbers[200];
    std::snprintf(numbers, sizeof numbers, ",\"body_bytes\":%llu,\"longest_silence_s\":%.3f,\"total_s\":%.3f,\"timed_out\":%s",
                  static_cast<unsigned long long>(t.body_bytes), t.longest_silence, t.total,
                  t.timed_out ? "true" : "false");
    out += numbers;
    out += ",\"error\":" + (t.error.empty() ? std::string("null") : json_string(t.error)) + "}";
    return out;
}

std::string to_text(const transcript& t) {
    std::string out;
    char line[128];
    auto print_event = [&](const response_event& e) {
        std::snprintf(line, sizeof line, "+%.3fs %u %s\n", e.t, e.status, e.reason.c_str());
        out += line;
        for (const auto& h : e.headers) out += "    " + h.name + ": " + h.value + "\n";
    };
    for (const auto& e : t.interim) print_event(e);
    if (t.final_response) print_event(*t.final_response);
    std::snprintf(line, sizeof line, "interim responses: %zu\nbody bytes: %llu\nlongest silence: %.3fs\ntotal: %.3fs\n",
                  t.interim.size(), static_cast<unsigned long long>(t.body_bytes), t.longest_silence, t.total);
    out += line;
    if (!t.error.empty()) out += "error: " + t.error + "\n";
    return out;
}

} // namespace keepdav::probe
