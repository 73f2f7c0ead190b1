#include "fs/patched_copy.hpp"

#include "fs/io.hpp"
#include "fs/xattr_props.hpp"

#include <cerrno>
#include <vector>

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

// Big enough to keep copy_file_range efficient, small enough to report progress every few milliseconds.
constexpr std::uint64_t copy_piece = 8 << 20;

/** copy_file_range cannot serve these two files (another file system, a kernel or fs without it). */
bool copy_file_range_unusable(int e) { return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP; }

} // namespace

error_code copy_range(int from, std::uint64_t from_offset, int to, std::uint64_t to_offset, std::uint64_t length,
                      const copy_progress& copied) {
    auto in = static_cast<loff_t>(from_offset), out = static_cast<loff_t>(to_offset);
    while (length > 0) {
        ssize_t n = ::copy_file_range(from, &in, to, &out, std::min(length, copy_piece), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && copy_file_range_unusable(errno)) break;
        if (n < 0) return last_error();
        if (n == 0) return make_error(EIO); // the source ended before the range did
        length -= static_cast<std::uint64_t>(n);
        if (copied) copied(static_cast<std::uint64_t>(n));
    }
    std::vector<char> buffer;
    while (length > 0) {
        buffer.resize(static_cast<std::size_t>(std::min<std::uint64_t>(length, 1 << 20)));
        if (auto ec = pread_exact(from, buffer.data(), buffer.size(), static_cast<std::uint64_t>(in))) return ec;
        if (auto ec = pwrite_all(to, buffer.data(), buffer.size(), static_cast<std::uint64_t>(out))) return ec;
        in += static_cast<loff_t>(buffer.size());
        out += static_cast<loff_t>(buffer.size());
        length -= buffer.size();
        if (copied) copied(buffer.size());
    }
    return {};
}

result<copy_method> clone_contents(int from, int to, const copy_progress& copied) {
    if (::ioctl(to, FICLONE, from) == 0) return copy_method::reflink;
    // EOPNOTSUPP/ENOTTY: no shared extents here; EXDEV: another file system; EINVAL: an fs that
    // refuses this pair. Anything else (EIO, ENOSPC) is a real failure.
    if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EXDEV && errno != EINVAL && errno != ENOSYS)
        return last_error();
    auto size = stat_fd(from);
    if (!size) return size.error();
    if (auto ec = copy_range(from, 0, to, 0, size->size, copied)) return ec;
    return copy_method::copy;
}

result<patched_file> patched_copy(int dir, std::string leaf, int base, int piece, std::uint64_t piece_offset,
                                  std::uint64_t offset, std::uint64_t length, const copy_progress& copied) {
    mode_t mode = 0644;
    if (base >= 0) {
        auto info = stat_fd(base);
        if (!info) return info.error();
        mode = info->mode & 07777;
    }
    auto file = pending_file::create(dir, std::move(leaf), mode);
    if (!file) return file.error();
    patched_file out{std::move(*file), copy_method::none};
    // O_TMPFILE applies the umask: the permission bits are set again, as the base had them.
    if (base >= 0 && ::fchmod(out.file.fd(), mode) != 0) return last_error();
    if (base >= 0) {
        auto method = clone_contents(base, out.file.fd(), copied);
        if (!method) return method.error();
        out.method = *method;
        if (auto ec = copy_properties(base, out.file.fd())) return ec;
    }
    if (auto ec = copy_range(piece, piece_offset, out.file.fd(), offset, length, copied)) return ec;
    return out;
}

} // namespace keepdav::fs
