#include "log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <unistd.h>

namespace keepdav::log {

namespace {
std::atomic<level> threshold{level::info};
constexpr const char* names[] = {"debug", "info", "warning", "error"};
} // namespace

void set_threshold(level l) { threshold = l; }

void write(level l, std::string_view message) {
    if (l < threshold.load(std::memory_order_relaxed)) return;
    auto now = std::chrono::system_clock::now();
    std::time_t secs = std::chrono::system_clock::to_time_t(now);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    std::string line;
    line.reserve(message.size() + 64);
    line.append(stamp).append(names[static_cast<int>(l)]).append(": ").append(message).push_back('\n');
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace keepdav::log
