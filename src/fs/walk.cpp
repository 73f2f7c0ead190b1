#include "fs/walk.hpp"

#include <cerrno>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace keepdav::fs {

error_code for_each_entry(int dir_fd, const std::function<bool(const char*, unsigned char)>& visit,
                          bool include_internal) {
    // fdopendir takes ownership of its descriptor, so give it a fresh one on the same directory.
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_error();
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        auto ec = last_error();
        ::close(fd);
        return ec;
    }
    error_code result;
    for (;;) {
        errno = 0;
        dirent* ent = ::readdir(dir);
        if (!ent) {
            if (errno != 0) result = last_error();
            break;
        }
        const char* name = ent->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
        if (!include_internal && is_internal_name(name)) continue;
        if (!visit(name, ent->d_type)) break;
    }
    ::closedir(dir);
    return result;
}

} // namespace keepdav::fs
