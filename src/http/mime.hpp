#pragma once
#include <string_view>

namespace keepdav::http_util {

/**
 * The media type for a file name, from /etc/mime.types (loaded once) with a small built-in fallback;
 * application/octet-stream when nothing matches.
 */
std::string_view content_type_for(std::string_view file_name);

} // namespace keepdav::http_util
