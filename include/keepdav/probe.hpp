#pragma once
// The client harness: sends one HTTP request and records every interim (1xx) response and the final
// one, each with its time, and the longest silence the client sat through. Used by keepdav-probe and
// by the integration tests.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
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

} // namespace keepdav::probe
