#include "server/line_file.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace keepdav::server {

line_file::line_file(const std::filesystem::path& file) : file_(std::fopen(file.c_str(), "ae")) {
    if (!file_) throw std::runtime_error("cannot open " + file.string() + " for appending: " + std::strerror(errno));
}

line_file::~line_file() { std::fclose(file_); }

void line_file::append(std::string_view line) {
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
}

} // namespace keepdav::server
