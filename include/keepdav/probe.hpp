#pragma once
// The client harness: sends one HTTP request and records every interim (1xx) response and the final
// one, each with its time, and the longest silence the client sat through. Used by keepdav-probe and
// by the integration tests.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::probe {

struct header {
    std::string name;
    std::string value;
};

struct request {
    std::string method = "GET";
    std::string url; ///< http://host:port/path
    std::vector<header> headers;
    std::string body;
    /** Give up when nothing at all arrives for this long (a read timeout, not a total one). */
    double read_timeout = 30;
    /** 11 for HTTP/1.1, 10 for HTTP/1.0. */
    unsigned http_version = 11;
    /** Bodies beyond this are counted but not kept. */
    std::size_t keep_body_bytes = 1 << 20;
};

struct response_event {
    double t = 0; ///< seconds since the request was sent
    unsigned status = 0;
    std::string reason;
    std::vector<header> headers;
    std::string field(std::string_view name) const;
};

struct transcript {
    std::vector<response_event> interim;
    std::optional<response_event> final_response;
    std::string body;
    std::uint64_t body_bytes = 0;
    double longest_silence = 0; ///< the longest wait between bytes from the server
    double total = 0;
    bool timed_out = false;
    std::string error; ///< empty when a final response arrived whole
};

/**
 * Runs one request to completion. `on_interim` (if any) is called as each 1xx arrives, on the
 * calling thread: a test can use it to decide when a held operation may go on.
 */
transcript run(const request& req, const std::function<void(const response_event&)>& on_interim = {});

/** A human-readable rendering: one line per response, then the summary. */
std::string to_text(const transcript& t);
/**
 * One JSON object: interim (t, status, reason, headers), final (or null), body_bytes,
 * longest_silence_s, total_s, timed_out, error (or null).
 */
std::string to_json(const transcript& t);

/** What the monitor of a keepdav asynchronous operation reported (its JSON: see the README). */
struct operation_report {
    std::string state; ///< running, done, failed, cancelled
    std::string operation;
    std::uint64_t items = 0;
    std::uint64_t bytes = 0;
    std::uint64_t items_total = 0; ///< 0: not known
    std::uint64_t bytes_total = 0; ///< 0: not known
    double elapsed = 0;            ///< seconds
    std::optional<unsigned> status;
    std::string multistatus; ///< the 207 body of the members that failed, if any
};

/** Parses a monitor's JSON; nothing when it is not one. */
std::optional<operation_report> parse_operation_report(std::string_view json);

/**
 * One line for a person: a bar and the percent done (by bytes where their total is known, else by
 * items), the counts, the time so far and, once something is done, an estimate of the time left.
 */
std::string progress_line(const operation_report& r);

} // namespace keepdav::probe
