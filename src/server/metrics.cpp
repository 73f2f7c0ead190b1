#include "server/metrics.hpp"

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace keepdav::server {

namespace {

namespace http = boost::beast::http;
constexpr auto relaxed = std::memory_order_relaxed;

void family(std::string& out, const char* name, const char* type, const char* help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

std::string number(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", v);
    return text;
}

void sample(std::string& out, const std::string& name, std::uint64_t value) {
    out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

} // namespace

void metrics::count(const request_summary& r) {
    auto verb = static_cast<std::size_t>(http::string_to_verb(r.method));
    if (verb >= methods) verb = 0;
    if (r.status >= 100 && r.status < 600) requests_[verb * statuses + (r.status - 100)].fetch_add(1, relaxed);
    bytes_in_.fetch_add(r.request_body_bytes, relaxed);
    bytes_out_.fetch_add(r.body_bytes, relaxed);
    auto bucket = std::lower_bound(duration_buckets.begin(), duration_buckets.end(), r.seconds) - duration_buckets.begin();
    durations_[static_cast<std::size_t>(bucket)].fetch_add(1, relaxed);
    duration_micros_.fetch_add(static_cast<std::uint64_t>(std::llround(std::max(0.0, r.seconds) * 1e6)), relaxed);
    for (const auto& i : r.interims)
        if (i.status >= 100 && i.status < 200) interims_[i.status - 100].fetch_add(1, relaxed);
}

void metrics::fill(metrics_snapshot& s) const {
    for (std::size_t verb = 0; verb < methods; ++verb)
        for (std::size_t status = 0; status < statuses; ++status)
            if (auto n = requests_[verb * statuses + status].load(relaxed)) {
                auto name = verb == 0 ? std::string("other") : std::string(http::to_string(static_cast<http::verb>(verb)));
                s.requests[{name, static_cast<unsigned>(status + 100)}] = n;
            }
    s.bytes_in = bytes_in_.load(relaxed);
    s.bytes_out = bytes_out_.load(relaxed);
    for (std::size_t b = 0; b < durations_.size(); ++b) s.duration_counts[b] = durations_[b].load(relaxed);
    s.duration_sum = static_cast<double>(duration_micros_.load(relaxed)) / 1e6;
    for (unsigned i = 0; i < interims_.size(); ++i)
        if (auto n = interims_[i].load(relaxed)) s.interims[100 + i] = n;
}

std::string format_metrics(const metrics_snapshot& s) {
    std::string out;
    family(out, "keepdav_requests_total", "counter", "Requests answered, by method and status code.");
    for (const auto& [key, n] : s.requests)
        sample(out, "keepdav_requests_total{method=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"}", n);
    family(out, "keepdav_request_body_bytes_total", "counter", "Request body bytes received, as declared by Content-Length.");
    sample(out, "keepdav_request_body_bytes_total", s.bytes_in);
    family(out, "keepdav_response_body_bytes_total", "counter", "Response body bytes sent.");
    sample(out, "keepdav_response_body_bytes_total", s.bytes_out);
    family(out, "keepdav_request_duration_seconds", "histogram",
           "From the request header read to the final response written.");
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < duration_buckets.size(); ++b) {
        cumulative += s.duration_counts[b];
        sample(out, "keepdav_request_duration_seconds_bucket{le=\"" + number(duration_buckets[b]) + "\"}", cumulative);
    }
    cumulative += s.duration_counts.back();
    sample(out, "keepdav_request_duration_seconds_bucket{le=\"+Inf\"}", cumulative);
    out.append("keepdav_request_duration_seconds_sum ").append(number(s.duration_sum)).append("\n");
    sample(out, "keepdav_request_duration_seconds_count", cumulative);
    family(out, "keepdav_interim_responses_total", "counter", "Interim (1xx) responses sent, by status code.");
    for (const auto& [code, n] : s.interims)
        sample(out, "keepdav_interim_responses_total{code=\"" + std::to_string(code) + "\"}", n);
    family(out, "keepdav_operations_running", "gauge", "Long operations (COPY, MOVE, DELETE, ...) running now.");
    out.append("keepdav_operations_running ").append(std::to_string(s.operations_running)).append("\n");
    family(out, "keepdav_connections_open", "gauge", "Client connections open now.");
    sample(out, "keepdav_connections_open", s.connections_open);
    family(out, "keepdav_failed_logins_total", "counter", "Credentials refused after their check.");
    sample(out, "keepdav_failed_logins_total", s.failed_logins);
    family(out, "keepdav_throttled_logins_total", "counter",
           "Credentials refused unchecked (429): their address failed too often.");
    sample(out, "keepdav_throttled_logins_total", s.throttled_logins);
    return out;
}

} // namespace keepdav::server
