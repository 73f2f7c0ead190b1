#include "server/request_summary.hpp"

#include "http/date.hpp"
#include "server/basic_auth.hpp"
#include "json.hpp"

#include <charconv>
#include <cstdio>

namespace keepdav::server {

namespace {

std::string seconds_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    return text;
}

/** A quoted log field: quotes and backslashes escaped, control bytes dropped, "-" when empty. */
std::string log_field(std::string_view s) {
    if (s.empty()) return "\"-\"";
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
    }
    return out + "\"";
}

/**
 * An unquoted log field (the user, which the client chose): spaces, quotes, backslashes, control
 * and non-ASCII bytes as \xHH, so a name cannot split the line into fields or lines of its own.
 */
std::string log_token(std::string_view s) {
    if (s.empty()) return "-";
    std::string out;
    for (unsigned char c : s) {
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            static constexpr char hex[] = "0123456789abcdef";
            out.append("\\x").push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

} // namespace

request_summary summary_of(const boost::beast::http::request_header<>& head, std::string peer, bool with_auth) {
    namespace http = boost::beast::http;
    request_summary r;
    r.received = std::chrono::system_clock::now();
    r.peer = std::move(peer);
    r.method = std::string(head.method_string());
    r.target = std::string(head.target());
    r.version = head.version();
    r.user_agent = std::string(head[http::field::user_agent]);
    r.referer = std::string(head[http::field::referer]);
    if (auto length = head[http::field::content_length]; !length.empty()) {
        std::uint64_t n = 0;
        if (std::from_chars(length.data(), length.data() + length.size(), n).ec == std::errc{}) r.request_body_bytes = n;
    }
    if (with_auth && head.count(http::field::authorization)) r.user = basic_auth::user_of(head[http::field::authorization]);
    return r;
}

std::string access_line(const request_summary& r, std::time_t now) {
    char date[40];
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
    std::string line = r.peer + " - " + log_token(r.user) + " " + date + " " +
                       log_field(r.method + " " + r.target + (r.version >= 11 ? " HTTP/1.1" : " HTTP/1.0")) + " " +
                       std::to_string(r.status) + " " + std::to_string(r.body_bytes) + " " + log_field(r.referer) + " " +
                       log_field(r.user_agent) + " interim=" + std::to_string(r.interims.size()) + " time=" +
                       seconds_text(r.seconds);
    if (!r.write_error.empty()) line += " write-error=" + log_field(r.write_error);
    return line;
}

std::string transcript_json(const request_summary& r) {
    auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(r.received.time_since_epoch()).count();
    std::string time = http_util::format_rfc3339(static_cast<std::time_t>(since_epoch / 1000));
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(since_epoch % 1000));
    time.replace(time.size() - 1, 1, millis); // "...:37Z" -> "...:37.123Z"

    std::string out = "{\"time\":" + json_string(time) + ",\"remote\":" + json_string(r.peer) +
                      ",\"method\":" + json_string(r.method) + ",\"target\":" + json_string(r.target) +
                      ",\"http_version\":" + (r.version >= 11 ? "\"1.1\"" : "\"1.0\"") +
                      ",\"user_agent\":" + json_string(r.user_agent) + ",\"interim\":[";
    for (std::size_t i = 0; i < r.interims.size(); ++i) {
        if (i) out.push_back(',');
        out += "{\"t\":" + seconds_text(r.interims[i].t) + ",\"status\":" + std::to_string(r.interims[i].status) + "}";
    }
    out += "],\"status\":" + (r.delivered ? std::to_string(r.status) : std::string("null"));
    out += ",\"client_gone\":" + std::string(r.client_gone ? "true" : "false");
    // What the server answered, or would have, when the client never got it (a MOVE that ran on).
    if (!r.delivered && r.status != 0) out += ",\"outcome\":" + std::to_string(r.status);
    out += ",\"timings\":{\"first_interim_s\":" +
           (r.interims.empty() ? std::string("null") : seconds_text(r.interims.front().t));
    out += ",\"final_s\":" + (r.delivered ? seconds_text(r.seconds) : std::string("null"));
    out += ",\"total_s\":" + seconds_text(r.seconds) + "}}";
    return out;
}

void request_record::begin(const boost::beast::http::request_header<>& head, bool with_auth) {
    started_ = clock::now();
    open_ = true;
    summary_ = summary_of(head, std::move(summary_.peer), with_auth);
}

const request_summary& request_record::answered(const boost::system::error_code& ec, bool server_closed) {
    open_ = false;
    summary_.seconds = std::chrono::duration<double>(clock::now() - started_).count();
    summary_.delivered = !ec;
    if (ec) {
        summary_.write_error = ec.message();
        summary_.client_gone = !server_closed;
    }
    return summary_;
}

const request_summary* request_record::unanswered(bool server_closed) {
    if (!std::exchange(open_, false)) return nullptr;
    summary_.seconds = std::chrono::duration<double>(clock::now() - started_).count();
    summary_.client_gone = !server_closed;
    return &summary_;
}

} // namespace keepdav::server
