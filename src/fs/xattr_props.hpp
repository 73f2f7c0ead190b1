#pragma once
// Dead properties kept with the file they describe, as extended attributes in the `user.` namespace
// (one attribute per property), so they travel with the file through renames, backups and rsync -X.
#include "fs/tree.hpp"

#include <optional>
#include <string>
#include <vector>

namespace keepdav::fs {

struct stored_property {
    std::string key;   ///< the caller's name for it (keepdav uses Clark notation, "{ns}local")
    std::string value;
};

/**
 * The entry `leaf` of directory `dir_fd` ("" for `dir_fd` itself). A symlink is never followed: its
 * own properties are read (there are none on Linux).
 */
struct xattr_target {
    int dir_fd;
    std::string leaf;
};

/**
 * Every dead property of the entry. A property that cannot be read (removed meanwhile, or EIO) is
 * left out; `complete`, when given, is set false if one was left out for another reason than its
 * removal.
 */
result<std::vector<stored_property>> read_properties(const xattr_target& t, bool* complete = nullptr);
/** One property, or an empty optional when it is not set. */
result<std::optional<std::string>> read_property(const xattr_target& t, std::string_view key);
error_code write_property(const xattr_target& t, std::string_view key, std::string_view value);
/** Removing a property that is not set succeeds. */
error_code remove_property(const xattr_target& t, std::string_view key);
/** Copies every property from one open file to another (COPY). */
error_code copy_properties(int from_fd, int to_fd);

} // namespace keepdav::fs
