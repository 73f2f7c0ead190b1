#pragma once
// --transcript FILE: one JSON object per request (JSON Lines), flushed as each request ends, so a
// test can read what its client lived through while the server runs.
#include "server/line_file.hpp"
#include "server/request_summary.hpp"

#include <filesystem>

namespace keepdav::server {

class transcript_log {
public:
    /** Opens `file` for appending; throws std::runtime_error when it cannot. */
    explicit transcript_log(const std::filesystem::path& file) : file_(file) {}

    void append(const request_summary& r) { file_.append(transcript_json(r)); }

private:
    line_file file_;
};

} // namespace keepdav::server
