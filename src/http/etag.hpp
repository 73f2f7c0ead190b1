#pragma once
// Entity tags (RFC 9110 §8.8.3) from what identifies one version of a file. Values only: the caller
// knows where they come from (fs/ here, anything else in a test), so http/ depends on no file layer.
#include <cstdint>
#include <ctime>
#include <string>

namespace keepdav::http_util {

/**
 * A strong entity tag that changes whenever the file is replaced (`inode`), resized (`size`) or
 * modified (`modified`, to the nanosecond).
 */
std::string etag_for(std::uint64_t inode, std::uint64_t size, timespec modified);

} // namespace keepdav::http_util
