#include <keepdav/probe.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace keepdav::probe {

namespace {

namespace json = boost::json;

std::uint64_t count_or_zero(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    if (!v) return 0;
    if (auto* u = v->if_uint64()) return *u;
    if (auto* i = v->if_int64()) return *i > 0 ? static_cast<std::uint64_t>(*i) : 0;
    return 0;
}

std::string string_or_empty(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    if (!v || !v->is_string()) return {};
    return std::string(v->get_string());
}

/** "1.5 MiB" */
std::string bytes_text(std::uint64_t n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(n);
    int unit = 0;
    while (value >= 1024 && unit < 4) value /= 1024, ++unit;
    char out[32];
    std::snprintf(out, sizeof out, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return out;
}

} // namespace

std::optional<operation_report> parse_operation_report(std::string_view text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& o = value.get_object();
    operation_report r;
    r.state = string_or_empty(o, "state");
    if (r.state.empty()) return std::nullopt;
    r.operation = string_or_empty(o, "operation");
    if (auto* p = o.if_contains("progress"); p && p->is_object()) {
        const auto& progress = p->get_object();
        r.items = count_or_zero(progress, "items");
        r.bytes = count_or_zero(progress, "bytes");
        r.items_total = count_or_zero(progress, "items_total");
        r.bytes_total = count_or_zero(progress, "bytes_total");
    }
    if (auto* e = o.if_contains("elapsed_s"); e && e->is_number()) r.elapsed = e->to_number<double>();
    if (auto status = count_or_zero(o, "status")) r.status = static_cast<unsigned>(status);
    r.multistatus = string_or_empty(o, "multistatus");
    return r;
}

std::string progress_line(const operation_report& r) {
    // By bytes where a copy knows them (a few large files weigh more than many small ones), else by items.
    double done = -1;
    if (r.bytes_total > 0) done = static_cast<double>(r.bytes) / static_cast<double>(r.bytes_total);
    else if (r.items_total > 0) done = static_cast<double>(r.items) / static_cast<double>(r.items_total);
    done = std::min(done, 1.0);
    std::string line;
    char part[96];
    if (done >= 0) {
        constexpr int width = 20;
        int filled = static_cast<int>(std::floor(done * width));
        line = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
        std::snprintf(part, sizeof part, " %3.0f%%", std::floor(done * 100));
        line += part;
    } else {
        line = "[ totals not known ]";
    }
    line += " " + std::to_string(r.items);
    if (r.items_total > 0) line += "/" + std::to_string(r.items_total);
    line += " items, " + bytes_text(r.bytes);
    if (r.bytes_total > 0) line += "/" + bytes_text(r.bytes_total);
    std::snprintf(part, sizeof part, ", %.1fs", r.elapsed);
    line += part;
    if (r.state == "running" && done > 0 && done < 1) {
        std::snprintf(part, sizeof part, ", about %.0fs left", std::ceil(r.elapsed * (1 - done) / done));
        line += part;
    }
    if (r.state != "running") line += ", " + r.state + (r.status ? " (" + std::to_string(*r.status) + ")" : "");
    return line;
}

} // namespace keepdav::probe
