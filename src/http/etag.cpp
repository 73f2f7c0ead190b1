#include "http/etag.hpp"

#include <charconv>

namespace keepdav::http_util {

std::string etag_for(std::uint64_t inode, std::uint64_t size, timespec modified) {
    std::uint64_t mtime_ns = std::uint64_t(modified.tv_sec) * 1000000000u + std::uint64_t(modified.tv_nsec);
    char out[64];
    char* p = out;
    *p++ = '"';
    for (std::uint64_t part : {inode, size, mtime_ns}) {
        if (p != out + 1) *p++ = '-';
        p = std::to_chars(p, out + sizeof out, part, 16).ptr;
    }
    *p++ = '"';
    return std::string(out, p);
}

} // namespace keepdav::http_util
