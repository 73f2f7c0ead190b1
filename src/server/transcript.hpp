#pragma once
// --transcript FILE: one JSON object per request (JSON Lines), flushed as each request ends, so a
// test can read what its client lived through while the server runs.
#include "server/line_file.hpp"

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace keepdav::server {

struct request_record {
    std::string time; ///< when the request header was read, RFC 3339 with milliseconds
    std::string remote;
    std::string method;
    std::string target;
    unsigned version = 11;
    std::string user_agent;
    struct interim {
        double t; ///< seconds since the request header was read
        unsigned status;
    };
    std::vector<interim> interims;
    std::optional<unsigned> status; ///< the final status written, if any
    std::optional<double> final_t;  ///< when the final response finished writing
    bool client_gone = false;       ///< the client closed before the final response was written
    double total = 0;
};

/** The record as one line of JSON (no newline). */
std::string to_json(const request_record& r);

class transcript_log {
public:
    /** Opens `file` for appending; throws std::runtime_error when it cannot. */
    explicit transcript_log(const std::filesystem::path& file) : file_(file) {}

    void append(const request_record& r) { file_.append(to_json(r)); }

private:
    line_file file_;
};

} // namespace keepdav::server
