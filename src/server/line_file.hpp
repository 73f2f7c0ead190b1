#pragma once
// A file that whole lines are appended to from any thread, flushed line by line (access log,
// transcript): a reader sees each line complete as soon as it is written.
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string_view>

namespace keepdav::server {

class line_file {
public:
    /** Opens `file` for appending; throws std::runtime_error with a readable message when it cannot. */
    explicit line_file(const std::filesystem::path& file);
    ~line_file();
    line_file(const line_file&) = delete;
    line_file& operator=(const line_file&) = delete;

    /** Appends `line` and a newline, then flushes. */
    void append(std::string_view line);

private:
    std::mutex mutex_;
    std::FILE* file_;
};

} // namespace keepdav::server
