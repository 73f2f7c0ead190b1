#include "server/metrics.hpp"

#include <catch2/catch.hpp>

using keepdav::server::format_metrics;
using keepdav::server::metrics;
using keepdav::server::metrics_snapshot;
using keepdav::server::request_summary;

namespace {

request_summary answered(const char* method, unsigned status, double seconds, std::uint64_t in, std::uint64_t out) {
    request_summary r;
    r.method = method;
    r.status = status;
    r.seconds = seconds;
    r.request_body_bytes = in;
    r.body_bytes = out;
    return r;
}

} // namespace

TEST_CASE("metrics page: every family, in the text exposition format, to the byte", "[server][metrics]") {
    metrics m;
    m.count(answered("GET", 200, 0.0005, 0, 4096));
    m.count(answered("GET", 200, 0.02, 0, 4096));
    m.count(answered("PUT", 201, 0.3, 100, 0));
    auto copy = answered("COPY", 201, 7, 0, 0);
    copy.interims = {{3, 102}, {8, 102}};
    m.count(copy);
    m.count(answered("BREW", 501, 400, 0, 10)); // an unknown method is "other"; beyond the last bucket: +Inf
    metrics_snapshot s;
    m.fill(s);
    s.operations_running = 1;
    s.connections_open = 3;
    s.failed_logins = 4;
    s.throttled_logins = 2;
    CHECK(format_metrics(s) == R"(# HELP keepdav_requests_total Requests answered, by method and status code.
# TYPE keepdav_requests_total counter
keepdav_requests_total{method="COPY",code="201"} 1
keepdav_requests_total{method="GET",code="200"} 2
keepdav_requests_total{method="PUT",code="201"} 1
keepdav_requests_total{method="other",code="501"} 1
# HELP keepdav_request_body_bytes_total Request body bytes received, as declared by Content-Length.
# TYPE keepdav_request_body_bytes_total counter
keepdav_request_body_bytes_total 100
# HELP keepdav_response_body_bytes_total Response body bytes sent.
# TYPE keepdav_response_body_bytes_total counter
keepdav_response_body_bytes_total 8202
# HELP keepdav_request_duration_seconds From the request header read to the final response written.
# TYPE keepdav_request_duration_seconds histogram
keepdav_request_duration_seconds_bucket{le="0.001"} 1
keepdav_request_duration_seconds_bucket{le="0.005"} 1
keepdav_request_duration_seconds_bucket{le="0.01"} 1
keepdav_request_duration_seconds_bucket{le="0.025"} 2
keepdav_request_duration_seconds_bucket{le="0.05"} 2
keepdav_request_duration_seconds_bucket{le="0.1"} 2
keepdav_request_duration_seconds_bucket{le="0.25"} 2
keepdav_request_duration_seconds_bucket{le="0.5"} 3
keepdav_request_duration_seconds_bucket{le="1"} 3
keepdav_request_duration_seconds_bucket{le="5"} 3
keepdav_request_duration_seconds_bucket{le="30"} 4
keepdav_request_duration_seconds_bucket{le="300"} 4
keepdav_request_duration_seconds_bucket{le="+Inf"} 5
keepdav_request_duration_seconds_sum 407.3205
keepdav_request_duration_seconds_count 5
# HELP keepdav_interim_responses_total Interim (1xx) responses sent, by status code.
# TYPE keepdav_interim_responses_total counter
keepdav_interim_responses_total{code="102"} 2
# HELP keepdav_operations_running Long operations (COPY, MOVE, DELETE, ...) running now.
# TYPE keepdav_operations_running gauge
keepdav_operations_running 1
# HELP keepdav_connections_open Client connections open now.
# TYPE keepdav_connections_open gauge
keepdav_connections_open 3
# HELP keepdav_failed_logins_total Credentials refused after their check.
# TYPE keepdav_failed_logins_total counter
keepdav_failed_logins_total 4
# HELP keepdav_throttled_logins_total Credentials refused unchecked (429): their address failed too often.
# TYPE keepdav_throttled_logins_total counter
keepdav_throttled_logins_total 2
)");
}

TEST_CASE("metrics page with nothing counted: families stay, with zero samples where they have no labels", "[server][metrics]") {
    auto page = format_metrics(metrics_snapshot{});
    CHECK(page.find("keepdav_requests_total{") == std::string::npos);
    CHECK(page.find("keepdav_request_duration_seconds_count 0\n") != std::string::npos);
    CHECK(page.find("keepdav_connections_open 0\n") != std::string::npos);
}
