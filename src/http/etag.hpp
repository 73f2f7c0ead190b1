#pragma once
#include "fs/tree.hpp"

#include <string>

namespace keepdav::http_util {

/** A strong entity tag that changes whenever the file is replaced, resized or modified. */
std::string etag_for(const fs::entry_info& info);

} // namespace keepdav::http_util
