#include "http/date.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace keepdav::http_util {

namespace {

constexpr std::array<const char*, 7> day_names{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_index(std::string_view name) {
    for (int i = 0; i < 12; ++i)
        if (name == month_names[i]) return i;
    return -1;
}

std::optional<std::time_t> make_time(int year, int month, int day, int hour, int minute, int second) {
    if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return ::timegm(&tm);
}

} // namespace

namespace {

/** Writes `value` as `width` decimal digits, zero-padded (dates are formatted per PROPFIND entry). */
char* put_digits(char* out, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

char* put_text(char* out, const char* text) {
    while (*text) *out++ = *text++;
    return out;
}

} // namespace

std::string format_http_date(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char out[32];
    char* p = put_text(out, day_names[tm.tm_wday]);
    p = put_text(p, ", ");
    p = put_digits(p, tm.tm_mday, 2);
    *p++ = ' ';
    p = put_text(p, month_names[tm.tm_mon]);
    *p++ = ' ';
    p = put_digits(p, tm.tm_year + 1900, 4);
    *p++ = ' ';
    p = put_digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = put_digits(p, tm.tm_sec, 2);
    p = put_text(p, " GMT");
    return std::string(out, p);
}

std::string format_rfc3339(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char out[24];
    char* p = put_digits(out, tm.tm_year + 1900, 4);
    *p++ = '-';
    p = put_digits(p, tm.tm_mon + 1, 2);
    *p++ = '-';
    p = put_digits(p, tm.tm_mday, 2);
    *p++ = 'T';
    p = put_digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = put_digits(p, tm.tm_sec, 2);
    *p++ = 'Z';
    return std::string(out, p);
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    std::string s(text);
    char wday[16] = {}, mon[4] = {};
    int day = 0, year = 0, hour = 0, minute = 0, second = 0, used = 0;
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (std::sscanf(s.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wday, &day, mon, &year, &hour, &minute,
                    &second, &used) == 7 &&
        used == static_cast<int>(s.size()))
        return make_time(year, month_index(mon), day, hour, minute, second);
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    used = 0;
    if (std::sscanf(s.c_str(), "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n", wday, &day, mon, &year, &hour, &minute,
                    &second, &used) == 7 &&
        used == static_cast<int>(s.size()))
        return make_time(year < 70 ? 2000 + year : 1900 + year, month_index(mon), day, hour, minute, second);
    // asctime: Sun Nov  6 08:49:37 1994
    used = 0;
    if (std::sscanf(s.c_str(), "%3s %3s %2d %2d:%2d:%2d %4d%n", wday, mon, &day, &hour, &minute, &second, &year,
                    &used) == 7 &&
        used == static_cast<int>(s.size()))
        return make_time(year, month_index(mon), day, hour, minute, second);
    return std::nullopt;
}

const std::string& current_http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        cached_second = now;
        cached = format_http_date(now);
    }
    return cached;
}

} // namespace keepdav::http_util
