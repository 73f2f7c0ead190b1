#include "server/test_hooks.hpp"

#include "http/text.hpp"

#include <charconv>
#include <cmath>

namespace keepdav::server {

namespace {

using duration = test_hooks::duration;
/** Long enough for any test, short enough that a typo cannot park a connection for a day. */
constexpr double max_seconds = 3600;

boost::system::result<std::optional<duration>, std::string> seconds(const boost::beast::http::fields& f,
                                                                    std::string_view name) {
    auto it = f.find(name);
    if (it == f.end()) return std::optional<duration>();
    auto text = http_util::trim_ows(it->value());
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0 || value > max_seconds)
        return std::string(name) + " must be a number of seconds from 0 to 3600";
    return std::optional<duration>(duration(static_cast<long long>(std::llround(value * 1000))));
}

boost::system::result<bool, std::string> flag(const boost::beast::http::fields& f, std::string_view name) {
    auto it = f.find(name);
    if (it == f.end()) return false;
    auto text = http_util::trim_ows(it->value());
    if (text == "1" || text == "on" || text == "true" || text == "yes") return true;
    if (text == "0" || text == "off" || text == "false" || text == "no") return false;
    return std::string(name) + " must be on or off";
}

} // namespace

boost::system::result<test_hooks, std::string> parse_test_hooks(const boost::beast::http::fields& f) {
    test_hooks h;
    for (auto [field, target] : {std::pair{"Keepdav-Delay", &h.delay}, {"Keepdav-Interim-Interval", &h.interval},
                                 {"Keepdav-Interim-After", &h.after}, {"Keepdav-Close-After", &h.close_after}}) {
        auto value = seconds(f, field);
        if (!value) return value.error();
        *target = *value;
    }
    if (h.interval && h.interval->count() == 0) return std::string("Keepdav-Interim-Interval must be above 0");
    if (auto it = f.find("Keepdav-Interim-Count"); it != f.end()) {
        auto text = http_util::trim_ows(it->value());
        unsigned n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size() || n > 10000)
            return std::string("Keepdav-Interim-Count must be a whole number from 0 to 10000");
        h.count = n;
    }
    if (auto it = f.find("Keepdav-Interim-Status"); it != f.end()) {
        auto text = http_util::trim_ows(it->value());
        unsigned n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        // 101 switches protocols (RFC 9110 §15.2.2): not an interim a request can be sent.
        if (ec != std::errc() || end != text.data() + text.size() || n < 100 || n > 199 || n == 101)
            return std::string("Keepdav-Interim-Status must be a 1xx status other than 101");
        h.interim_status = n;
    }
    for (auto [field, target] : {std::pair{"Keepdav-Interim-Status-URI", &h.status_uri},
                                 {"Keepdav-Unasked-Continue", &h.unasked_continue},
                                 {"Keepdav-Early-Hints", &h.early_hints}, {"Keepdav-Silent", &h.silent}}) {
        auto value = flag(f, field);
        if (!value) return value.error();
        *target = *value;
    }
    return h;
}

test_hooks::duration hold_time(const test_hooks& h, duration after, duration interval) {
    if (h.delay) return *h.delay;
    if (h.count) {
        auto first = h.after.value_or(after), gap = h.interval.value_or(interval);
        // The final response follows the last 102 by half an interval.
        return *h.count == 0 ? duration(0) : first + gap * (*h.count - 1) + gap / 2;
    }
    return h.close_after.value_or(duration(0)) + duration(1000); // closing comes first
}

interim_schedule::settings shape_interims(const test_hooks& h, interim_schedule::settings s) {
    if (h.interval) s.interval = *h.interval;
    s.after = h.after ? *h.after : h.interval ? *h.interval : s.after;
    if (h.count) {
        s.max_interims = *h.count;
        if (*h.count == 0) s.enabled = false;
    }
    if (h.silent) s.enabled = false;
    s.unasked_continue = h.unasked_continue;
    s.early_hints_at = h.early_hints ? 2 : 0;
    if (h.interim_status) s.status = *h.interim_status;
    return s;
}

} // namespace keepdav::server
