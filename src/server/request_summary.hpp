#pragma once
// What one request was and what became of it: the one record from which the access line and the
// transcript line are formatted (pure functions, so the formats are tested to the byte).
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace keepdav::server {

struct request_summary {
    std::chrono::system_clock::time_point received{}; ///< when its header was read
    std::string peer;                                 ///< the client's address, "-" when unknown
    std::string method;
    std::string target;
    unsigned version = 11;
    std::string user_agent;
    std::string referer;
    std::string user; ///< who authenticated, empty when nobody did
    struct interim {
        double t; ///< seconds since the header was read
        unsigned status;
    };
    std::vector<interim> interims;
    unsigned status = 0;         ///< the final status answered (0: none)
    std::uint64_t body_bytes = 0; ///< of the final response
    std::uint64_t request_body_bytes = 0; ///< as the request's Content-Length declared it (0: none, or chunked)
    bool delivered = false;       ///< the final response reached the socket whole
    std::string write_error;     ///< why the final response did not get out whole, if it did not
    bool client_gone = false;    ///< the client closed before a final response was written
    double seconds = 0;          ///< from the header to the end of the final response (or the close)
};

/**
 * One request's summary while it is served: begun when its header is read, then closed once, as
 * answered (its final response written, whole or not) or unanswered (the connection ended first).
 * Either way the client is taken to have left unless the server closed the connection.
 */
class request_record {
public:
    using clock = std::chrono::steady_clock;

    void begin(const boost::beast::http::request_header<>& head, bool with_auth);
    request_summary& summary() { return summary_; }
    const request_summary& summary() const { return summary_; }
    clock::time_point started() const { return started_; }
    /** Closes it as answered (`ec`: the final response did not get out whole); what to record. */
    const request_summary& answered(const boost::system::error_code& ec, bool server_closed);
    /** Closes it as unanswered; what to record, or null when it was closed already. */
    const request_summary* unanswered(bool server_closed);

private:
    request_summary summary_;
    clock::time_point started_ = clock::now();
    bool open_ = false;
};

/**
 * What the header of a request says for its record; `peer` is the client's address. The user is
 * the one the credentials name (`with_auth`: --auth-file is in force; they were checked before).
 */
request_summary summary_of(const boost::beast::http::request_header<>& head, std::string peer, bool with_auth);

/**
 * Combined Log Format, then the number of 1xx sent and the seconds taken:
 * `host - user [date] "request" status bytes "referer" "agent" interim=N time=S`, `now` as the date;
 * a missing field is `-`, and a failed write adds `write-error="..."`.
 */
std::string access_line(const request_summary& r, std::time_t now);

/** One line of JSON for --transcript (see the README). */
std::string transcript_json(const request_summary& r);

} // namespace keepdav::server
