#pragma once
// The files macOS Finder and Windows Explorer leave on every share they browse (--hide-os-litter):
// which names they are. What each method does with them is in litter.cpp and the README.
#include <string_view>

namespace keepdav::dav {

/**
 * One path segment that is desktop litter: AppleDouble `._*` files, `.DS_Store`, Spotlight and
 * Trash folders (`.Spotlight-V100`, `.Trashes`, `.TemporaryItems`, `.fseventsd`), Windows'
 * `Thumbs.db` and `desktop.ini` (any case, as Windows names them either way).
 */
bool is_os_litter(std::string_view name);

/** Whether any segment of `rel` ("a/b/c") is litter: a member of a litter folder is litter too. */
bool path_has_os_litter(std::string_view rel);

} // namespace keepdav::dav
