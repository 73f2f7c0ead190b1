// The one-entry changes of tree_ops.hpp: each a single *at() call beneath an opened parent.
#include "fs/tree_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

error_code remove_file(const parent_ref& at) {
    if (::unlinkat(at.dir.get(), at.leaf.c_str(), 0) != 0) return last_error();
    return {};
}

error_code make_directory(const parent_ref& at, mode_t mode) {
    if (::mkdirat(at.dir.get(), at.leaf.c_str(), mode) != 0) return last_error();
    return {};
}

error_code rename_entry(const tree& t, std::string_view src, std::string_view dst, bool replace) {
    auto from = t.open_parent(src);
    if (!from) return from.error();
    auto to = t.open_parent(dst);
    if (!to) return to.error();
    unsigned flags = replace ? 0 : RENAME_NOREPLACE;
    if (::renameat2(from->dir.get(), from->leaf.c_str(), to->dir.get(), to->leaf.c_str(), flags) != 0)
        return last_error();
    return {};
}

} // namespace keepdav::fs
