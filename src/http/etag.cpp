#include "http/etag.hpp"

#include <cstdio>

namespace keepdav::http_util {

std::string etag_for(const fs::entry_info& info) {
    char out[80];
    std::uint64_t mtime_ns = std::uint64_t(info.modified.tv_sec) * 1000000000u + std::uint64_t(info.modified.tv_nsec);
    std::snprintf(out, sizeof out, "\"%llx-%llx-%llx\"", static_cast<unsigned long long>(info.inode),
                  static_cast<unsigned long long>(info.size), static_cast<unsigned long long>(mtime_ns));
    return out;
}

} // namespace keepdav::http_util
