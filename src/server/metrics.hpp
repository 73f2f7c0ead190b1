#pragma once
// Counters for the Prometheus endpoint (--metrics-listen). Counting is a few relaxed atomic adds per
// request, no lock; a scrape takes a snapshot, and the text is a pure function of it (exposition
// format 0.0.4), tested to the byte.
#include "server/request_summary.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace keepdav::server {

/** Upper bounds (seconds) of the request duration histogram; +Inf follows. */
inline constexpr std::array<double, 12> duration_buckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300};

struct metrics_snapshot {
    std::map<std::pair<std::string, unsigned>, std::uint64_t> requests; ///< (method, status) -> count; zeros left out
    std::uint64_t bytes_in = 0;  ///< request bodies, as declared by Content-Length
    std::uint64_t bytes_out = 0; ///< final response bodies, as written
    std::array<std::uint64_t, duration_buckets.size() + 1> duration_counts{}; ///< per bucket, not cumulative; last: +Inf
    double duration_sum = 0;
    std::map<unsigned, std::uint64_t> interims; ///< 1xx status -> sent
    long operations_running = 0;
    std::uint64_t connections_open = 0;
    std::uint64_t failed_logins = 0;
    std::uint64_t throttled_logins = 0;
};

/** The metrics page: `# HELP`, `# TYPE` and samples, one family after another. */
std::string format_metrics(const metrics_snapshot& s);

class metrics {
public:
    /** One answered request: its method, status, bytes, duration and the 1xx it was sent. */
    void count(const request_summary& r);
    /** The request counters of `s` filled in (the gauges and logins are the caller's). */
    void fill(metrics_snapshot& s) const;

private:
    /** Beast's verbs (http::verb, 0 = unknown: "other", so clients cannot invent label values). */
    static constexpr std::size_t methods = 40, statuses = 500; ///< statuses 100-599
    std::array<std::atomic<std::uint64_t>, methods * statuses> requests_{};
    std::atomic<std::uint64_t> bytes_in_{0}, bytes_out_{0};
    std::array<std::atomic<std::uint64_t>, duration_buckets.size() + 1> durations_{};
    std::atomic<std::uint64_t> duration_micros_{0};
    std::array<std::atomic<std::uint64_t>, 100> interims_{}; ///< 100-199
};

} // namespace keepdav::server
