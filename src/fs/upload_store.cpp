#include "fs/upload_store.hpp"

#include "fs/atomic_write.hpp"

#include <cerrno>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepdav::fs {

namespace {

constexpr std::string_view magic = "keepdav-upload 1";

std::string new_id() {
    std::random_device random; // getrandom(2): the id is the upload's only secret (draft §9)
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 4; ++i) {
        auto word = random();
        for (int nibble = 0; nibble < 8; ++nibble, word >>= 4) id += hex[word & 0xf];
    }
    return id;
}

std::optional<std::string> read_small_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

bool is_upload_id(std::string_view id) {
    if (id.size() != 32) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

upload_store::upload_store(std::filesystem::path dir, std::chrono::seconds expiry) : dir_(std::move(dir)), expiry_(expiry) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw std::runtime_error("cannot create " + dir_.string() + ": " + ec.message());
    ::chmod(dir_.c_str(), 0700); // the ids are secrets
}

std::filesystem::path upload_store::path_of(std::string_view id, const char* suffix) const {
    return dir_ / (std::string(id) + suffix);
}

std::string upload_store::encode(const upload_record& r) {
    // Header values and request-targets hold no line breaks (RFC 9110 §5.5), so a line per item is safe.
    std::string out(magic);
    out += "\nowner " + r.owner + "\ntarget " + r.target + "\nlength " + (r.length ? std::to_string(*r.length) : "-") +
           "\ncomplete " + (r.complete ? "1" : "0") + "\n";
    for (const auto& [name, value] : r.fields) out += "field " + name + ": " + value + "\n";
    return out;
}

std::optional<upload_record> upload_store::decode(std::string_view text) {
    upload_record r;
    bool first = true, has_target = false;
    while (!text.empty()) {
        auto end = text.find('\n');
        if (end == std::string_view::npos) return std::nullopt; // a record is whole or not at all
        auto line = text.substr(0, end);
        text.remove_prefix(end + 1);
        if (first) {
            if (line != magic) return std::nullopt;
            first = false;
            continue;
        }
        auto space = line.find(' ');
        if (space == std::string_view::npos) return std::nullopt;
        auto key = line.substr(0, space), value = line.substr(space + 1);
        if (key == "owner") {
            r.owner = value;
        } else if (key == "target") {
            r.target = value;
            has_target = !value.empty();
        } else if (key == "length") {
            if (value != "-") {
                std::uint64_t n = 0;
                for (char c : value) {
                    if (c < '0' || c > '9') return std::nullopt;
                    n = n * 10 + static_cast<std::uint64_t>(c - '0');
                }
                r.length = n;
            }
        } else if (key == "complete") {
            r.complete = value == "1";
        } else if (key == "field") {
            auto colon = value.find(": ");
            if (colon == std::string_view::npos) return std::nullopt;
            r.fields.emplace_back(value.substr(0, colon), value.substr(colon + 2));
        }
    }
    if (first || !has_target) return std::nullopt;
    return r;
}

result<upload_record> upload_store::create(upload_record r) {
    sweep();
    r.id = new_id();
    int fd = ::open(path_of(r.id, ".data").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return last_error();
    ::close(fd);
    if (auto ec = save(r)) {
        remove(r.id);
        return ec;
    }
    return r;
}

error_code upload_store::save(const upload_record& r) {
    if (!is_upload_id(r.id)) return make_error(EINVAL);
    return replace_file_atomically(path_of(r.id, ".meta"), encode(r), 0600);
}

std::optional<upload_record> upload_store::find(std::string_view id, clock::time_point now) {
    if (!is_upload_id(id)) return std::nullopt;
    auto text = read_small_file(path_of(id, ".meta"));
    if (!text) return std::nullopt;
    auto r = decode(*text);
    // A record that cannot be read is state lost: the upload is deactivated (draft §4.1.1).
    if (!r || seconds_left(id, now) == 0) {
        remove(id);
        return std::nullopt;
    }
    r->id = id;
    return r;
}

result<unique_fd> upload_store::open_data(std::string_view id, bool append) {
    if (!is_upload_id(id)) return make_error(EINVAL);
    int flags = append ? (O_WRONLY | O_APPEND) : O_RDONLY;
    int fd = ::open(path_of(id, ".data").c_str(), flags | O_CLOEXEC);
    if (fd < 0) return last_error();
    return unique_fd(fd);
}

result<std::uint64_t> upload_store::offset(std::string_view id) {
    struct stat st {};
    if (::stat(path_of(id, ".data").c_str(), &st) != 0) return last_error();
    return static_cast<std::uint64_t>(st.st_size);
}

error_code upload_store::mark_complete(upload_record& r) {
    auto size = offset(r.id);
    r.complete = true;
    if (size) r.length = *size;
    if (auto ec = save(r)) return ec;
    std::error_code ignored;
    std::filesystem::remove(path_of(r.id, ".data"), ignored);
    return {};
}

void upload_store::remove(std::string_view id) {
    if (!is_upload_id(id)) return;
    std::error_code ignored;
    std::filesystem::remove(path_of(id, ".data"), ignored);
    std::filesystem::remove(path_of(id, ".meta"), ignored);
}

std::optional<upload_store::clock::time_point> upload_store::touched(std::string_view id) {
    // The last append or record change: an upload in use never expires under its client.
    std::optional<clock::time_point> latest;
    for (const char* suffix : {".data", ".meta"}) {
        struct stat st {};
        if (::stat(path_of(id, suffix).c_str(), &st) != 0) continue;
        auto t = clock::from_time_t(st.st_mtim.tv_sec) + std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(st.st_mtim.tv_nsec));
        if (!latest || t > *latest) latest = t;
    }
    return latest;
}

std::uint64_t upload_store::seconds_left(std::string_view id, clock::time_point now) {
    auto last = touched(id);
    if (!last) return 0;
    auto left = std::chrono::duration_cast<std::chrono::seconds>(*last + expiry_ - now).count();
    return left > 0 ? static_cast<std::uint64_t>(left) : 0;
}

std::size_t upload_store::sweep(clock::time_point now) {
    std::lock_guard guard(sweep_mutex_);
    std::size_t removed = 0;
    std::error_code ec;
    std::set<std::string> expired;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        auto name = entry.path().filename().string();
        auto dot = name.find('.');
        auto id = name.substr(0, dot);
        // Leftovers of an atomic record write (internal names) are not uploads: skipped.
        if (!is_upload_id(id) || dot == std::string::npos) continue;
        // Bytes whose record a crash never wrote are as lost as an expired upload.
        if (seconds_left(id, now) == 0 || !std::filesystem::exists(path_of(id, ".meta"))) expired.insert(id);
    }
    for (const auto& id : expired) {
        remove(id);
        ++removed;
    }
    return removed;
}

} // namespace keepdav::fs
