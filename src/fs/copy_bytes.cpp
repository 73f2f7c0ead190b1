#include "fs/copy_bytes.hpp"

#include "fs/io.hpp"

#include <cerrno>
#include <unistd.h>
#include <vector>

namespace keepdav::fs {

namespace {
// Big enough to keep copy_file_range efficient, small enough that a stop request is seen quickly.
constexpr std::uint64_t copy_chunk = 8 << 20;
} // namespace

error_code copy_bytes(int in, int out, std::uint64_t size, const std::function<bool()>& stopped,
                      const std::function<void(std::uint64_t)>& bytes_done) {
    std::uint64_t done = 0;
    loff_t in_off = 0, out_off = 0;
    bool use_copy_file_range = true;
    std::vector<char> buffer;
    for (;;) {
        if (stopped && stopped()) return make_error(ECANCELED);
        ssize_t n;
        if (use_copy_file_range) {
            std::size_t want = size > done ? std::min<std::uint64_t>(copy_chunk, size - done) : copy_chunk;
            n = ::copy_file_range(in, &in_off, out, &out_off, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                use_copy_file_range = false; // fall back to plain reads and writes from here
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return last_error();
        } else {
            buffer.resize(1 << 20);
            auto got = pread_some(in, buffer.data(), buffer.size(), in_off);
            if (!got) return got.error();
            n = static_cast<ssize_t>(*got);
            if (auto ec = pwrite_all(out, buffer.data(), *got, out_off)) return ec;
            in_off += n;
            out_off += n;
        }
        if (n == 0) return {}; // end of the source (it may have grown or shrunk since stat)
        done += n;
        if (bytes_done) bytes_done(static_cast<std::uint64_t>(n));
    }
}

} // namespace keepdav::fs
