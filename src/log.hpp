#pragma once
// One line per event on stderr, with a UTC timestamp and a level. Lines from different threads never
// interleave (each is one write).
#include <string_view>

namespace keepdav::log {

enum class level { debug, info, warning, error };

void set_threshold(level l);
void write(level l, std::string_view message);
inline void info(std::string_view m) { write(level::info, m); }
inline void warning(std::string_view m) { write(level::warning, m); }
inline void error(std::string_view m) { write(level::error, m); }
inline void debug(std::string_view m) { write(level::debug, m); }

} // namespace keepdav::log
