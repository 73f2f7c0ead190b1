#include "fs/xattr_props.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cstdio>

#include <sys/xattr.h>

namespace keepdav::fs {

namespace {

constexpr std::string_view prefix = "user.dav.";

/** A path the l*xattr calls can use: the already-resolved directory, then one name, never followed. */
std::string proc_path(const xattr_target& t) {
    char base[48];
    std::snprintf(base, sizeof base, "/proc/self/fd/%d", t.dir_fd);
    return t.leaf.empty() ? std::string(base) : std::string(base) + "/" + t.leaf;
}

// For a named entry the l* calls do not follow a final symlink; for "" the path is /proc's link to the
// descriptor itself, which must be followed to reach the directory.
//
// Linux 6.13 added listxattrat/getxattrat (no glibc wrappers yet): the directory descriptor and one
// name, with no /proc path for the kernel to walk per entry (it dominated PROPFIND's profile).
constexpr long sys_getxattrat = 464;
constexpr long sys_listxattrat = 465;
struct xattr_args {
    std::uint64_t value;
    std::uint32_t size;
    std::uint32_t flags;
};
std::atomic<bool> at_calls_missing{false};

ssize_t list_at(const xattr_target& t, const std::string& path, char* b, std::size_t n) {
    if (t.leaf.empty()) return ::listxattr(path.c_str(), b, n);
    if (!at_calls_missing.load(std::memory_order_relaxed)) {
        long r = ::syscall(sys_listxattrat, t.dir_fd, t.leaf.c_str(), AT_SYMLINK_NOFOLLOW, b, n);
        if (r >= 0 || errno != ENOSYS) return r;
        at_calls_missing = true;
    }
    return ::llistxattr(path.c_str(), b, n);
}

ssize_t get_at(const xattr_target& t, const std::string& path, const char* name, char* b, std::size_t n) {
    if (t.leaf.empty()) return ::getxattr(path.c_str(), name, b, n);
    if (!at_calls_missing.load(std::memory_order_relaxed)) {
        xattr_args args{reinterpret_cast<std::uintptr_t>(b), static_cast<std::uint32_t>(n), 0};
        long r = ::syscall(sys_getxattrat, t.dir_fd, t.leaf.c_str(), AT_SYMLINK_NOFOLLOW, name, &args, sizeof args);
        if (r >= 0 || errno != ENOSYS) return r;
        at_calls_missing = true;
    }
    return ::lgetxattr(path.c_str(), name, b, n);
}

std::string attribute_name(std::string_view key) { return std::string(prefix) + std::string(key); }

/** Runs a size-probing xattr call until the buffer fits (attributes can change between calls). */
template <class Call>
result<std::string> read_sized(Call call) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        ssize_t size = call(nullptr, 0);
        if (size < 0) return last_error();
        if (size == 0) return std::string(); // most files: no attributes, and no second call to say so
        std::string buffer(static_cast<std::size_t>(size), '\0');
        ssize_t n = call(buffer.data(), buffer.size());
        if (n >= 0) {
            buffer.resize(static_cast<std::size_t>(n));
            return buffer;
        }
        if (errno != ERANGE) return last_error();
    }
    return make_error(ERANGE);
}

bool unsupported(int e) { return e == ENOTSUP || e == EPERM; }

} // namespace

result<std::vector<stored_property>> read_properties(const xattr_target& t, bool* complete) {
    if (complete) *complete = true;
    std::string path = proc_path(t);
    std::vector<stored_property> out;
    auto names = read_sized([&](char* b, std::size_t n) { return list_at(t, path, b, n); });
    if (!names) {
        if (unsupported(names.error().value())) return out; // a symlink, or a file system without xattrs
        return names.error();
    }
    for (std::size_t start = 0; start < names->size();) {
        std::string_view name(names->data() + start);
        start += name.size() + 1;
        if (!name.starts_with(prefix)) continue;
        std::string attribute(name);
        auto value = read_sized([&](char* b, std::size_t n) { return get_at(t, path, attribute.c_str(), b, n); });
        if (!value) { // removed meanwhile, or unreadable (EIO): then what is returned is not all there is
            if (complete && value.error().value() != ENODATA) *complete = false;
            continue;
        }
        out.push_back({std::string(name.substr(prefix.size())), std::move(*value)});
    }
    return out;
}

result<std::optional<std::string>> read_property(const xattr_target& t, std::string_view key) {
    std::string path = proc_path(t);
    std::string name = attribute_name(key);
    auto value = read_sized([&](char* b, std::size_t n) { return get_at(t, path, name.c_str(), b, n); });
    if (value) return std::optional<std::string>(std::move(*value));
    if (value.error().value() == ENODATA || unsupported(value.error().value())) return std::optional<std::string>();
    return value.error();
}

error_code write_property(const xattr_target& t, std::string_view key, std::string_view value) {
    std::string name = attribute_name(key);
    if (name.size() > XATTR_NAME_MAX) return make_error(ENAMETOOLONG);
    auto path = proc_path(t);
    int rc = t.leaf.empty() ? ::setxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0)
                            : ::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0);
    if (rc != 0) {
        // E2BIG/ENOSPC: the file system's room for attributes (one block on ext4) is full.
        if (errno == E2BIG || errno == ERANGE) return make_error(ENOSPC);
        return last_error();
    }
    return {};
}

error_code remove_property(const xattr_target& t, std::string_view key) {
    auto path = proc_path(t);
    auto name = attribute_name(key);
    int rc = t.leaf.empty() ? ::removexattr(path.c_str(), name.c_str()) : ::lremovexattr(path.c_str(), name.c_str());
    if (rc != 0 && errno != ENODATA) return last_error();
    return {};
}

error_code copy_properties(int from_fd, int to_fd) {
    auto names = read_sized([&](char* b, std::size_t n) { return ::flistxattr(from_fd, b, n); });
    if (!names) return unsupported(names.error().value()) ? error_code{} : names.error();
    for (std::size_t start = 0; start < names->size();) {
        std::string name(names->data() + start);
        start += name.size() + 1;
        if (!std::string_view(name).starts_with(prefix)) continue;
        auto value = read_sized([&](char* b, std::size_t n) { return ::fgetxattr(from_fd, name.c_str(), b, n); });
        if (!value) continue;
        if (::fsetxattr(to_fd, name.c_str(), value->data(), value->size(), 0) != 0) return last_error();
    }
    return {};
}

} // namespace keepdav::fs
