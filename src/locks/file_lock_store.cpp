#include "locks/file_lock_store.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace keepdav::locks {

namespace {

/** Fields are tab-separated on one line; these three characters are escaped inside a field. */
std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\t') out += "\\t";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    return out;
}

std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out.push_back(s[i]);
            continue;
        }
        char c = s[++i];
        out.push_back(c == 't' ? '\t' : c == 'n' ? '\n' : c);
    }
    return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        auto tab = line.find('\t', start);
        out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (tab == std::string_view::npos) return out;
        start = tab + 1;
    }
}

clock::time_point expiry(std::chrono::seconds timeout, clock::time_point now) {
    return timeout.count() == 0 ? clock::time_point::max() : now + timeout;
}

} // namespace

file_lock_store::file_lock_store(std::filesystem::path file) : file_(std::move(file)) { load(); }

void file_lock_store::drop_expired(clock::time_point now) {
    bool changed = false;
    for (auto it = locks_.begin(); it != locks_.end();) {
        if (it->second.expires <= now) {
            it = locks_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (changed) save();
}

lock_store::grant file_lock_store::acquire(const request& r, clock::time_point now) {
    std::lock_guard guard(mutex_);
    drop_expired(now);
    for (const auto& [_, existing] : locks_) {
        if (locks_conflict(existing, r)) return {std::nullopt, existing};
    }
    lock l{new_lock_token(), r.root, r.infinite, r.exclusive, r.owner_xml, r.timeout, expiry(r.timeout, now)};
    locks_.emplace(l.token, l);
    save();
    return {l, std::nullopt};
}

std::optional<lock> file_lock_store::refresh(std::string_view token, std::chrono::seconds timeout, clock::time_point now) {
    std::lock_guard guard(mutex_);
    drop_expired(now);
    auto it = locks_.find(token);
    if (it == locks_.end()) return std::nullopt;
    it->second.timeout = timeout;
    it->second.expires = expiry(timeout, now);
    save();
    return it->second;
}

bool file_lock_store::release(std::string_view token) {
    std::lock_guard guard(mutex_);
    auto it = locks_.find(token);
    if (it == locks_.end()) return false;
    locks_.erase(it);
    save();
    return true;
}

std::optional<lock> file_lock_store::find(std::string_view token, clock::time_point now) {
    std::lock_guard guard(mutex_);
    auto it = locks_.find(token);
    if (it == locks_.end() || it->second.expires <= now) return std::nullopt;
    return it->second;
}

std::vector<lock> file_lock_store::covering(std::string_view path, clock::time_point now) {
    std::lock_guard guard(mutex_);
    std::vector<lock> out;
    for (const auto& [_, l] : locks_)
        if (l.expires > now && l.covers(path)) out.push_back(l);
    return out;
}

std::vector<lock> file_lock_store::rooted_within(std::string_view path, clock::time_point now) {
    std::lock_guard guard(mutex_);
    std::vector<lock> out;
    for (const auto& [_, l] : locks_)
        if (l.expires > now && path_within(l.root, path)) out.push_back(l);
    return out;
}

void file_lock_store::remove_within(std::string_view path) {
    std::lock_guard guard(mutex_);
    bool changed = false;
    for (auto it = locks_.begin(); it != locks_.end();) {
        if (path_within(it->second.root, path)) {
            it = locks_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (changed) save();
}

void file_lock_store::save() {
    if (!file_) return;
    std::ostringstream text;
    text << "keepdav-locks 1\n";
    for (const auto& [_, l] : locks_) {
        auto expires = l.expires == clock::time_point::max()
                           ? std::int64_t(0)
                           : std::int64_t(std::chrono::duration_cast<std::chrono::seconds>(l.expires.time_since_epoch()).count());
        text << escape(l.token) << '\t' << escape(l.root) << '\t' << (l.infinite ? "infinity" : "0") << '\t'
             << (l.exclusive ? "exclusive" : "shared") << '\t' << l.timeout.count() << '\t' << expires << '\t'
             << escape(l.owner_xml) << '\n';
    }
    // Write aside, flush to disk, then rename over the table: a crash leaves the old or the new one.
    auto temp = *file_;
    temp += ".new";
    std::string data = text.str();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (ok) std::rename(temp.c_str(), file_->c_str());
}

void file_lock_store::load() {
    std::ifstream in(*file_);
    std::string line;
    if (!std::getline(in, line) || line != "keepdav-locks 1") return;
    auto now = clock::now();
    while (std::getline(in, line)) {
        auto f = split_tabs(line);
        if (f.size() != 7) continue;
        lock l;
        l.token = unescape(f[0]);
        l.root = unescape(f[1]);
        l.infinite = f[2] == "infinity";
        l.exclusive = f[3] == "exclusive";
        l.timeout = std::chrono::seconds(std::strtoll(std::string(f[4]).c_str(), nullptr, 10));
        auto expires = std::strtoll(std::string(f[5]).c_str(), nullptr, 10);
        l.expires = expires == 0 ? clock::time_point::max() : clock::time_point(std::chrono::seconds(expires));
        l.owner_xml = unescape(f[6]);
        if (l.expires > now) locks_.emplace(l.token, std::move(l));
    }
}

} // namespace keepdav::locks
