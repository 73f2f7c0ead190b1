#include "dav/index_page.hpp"
#include "xml/multistatus_writer.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

namespace keepdav::dav {

namespace {

/**
 * The page's only style. Phones get the same table: the date column narrows to the day and the
 * names wrap anywhere, so nothing scrolls sideways at 360 px.
 */
constexpr std::string_view style =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:60rem;"
    "padding:1rem;color:#222;background:#fff}"
    "h1{font-size:1.25rem;font-weight:600;overflow-wrap:anywhere;margin:0 0 .75rem}"
    "table{width:100%;border-collapse:collapse}"
    "th,td{padding:.45rem .5rem;text-align:left;border-bottom:1px solid #e4e4e4;vertical-align:top}"
    "th{font-weight:600;white-space:nowrap}"
    "td:first-child{overflow-wrap:anywhere;word-break:break-word}"
    "td:nth-child(2),th.size{text-align:right;white-space:nowrap}"
    "td:nth-child(3){white-space:nowrap;color:#555}"
    "a{color:#0645ad;text-decoration:none}a:hover{text-decoration:underline}"
    ".dir a{font-weight:600}"
    ".up{display:inline-block;margin-bottom:.75rem}"
    "footer{margin-top:.75rem;color:#666;font-size:.85rem}"
    "@media (max-width:600px){body{padding:.5rem}th,td{padding:.4rem .25rem}"
    "td:nth-child(3) span{display:none}}"
    "@media (prefers-color-scheme:dark){body{background:#121212;color:#ddd}a{color:#8ab4f8}"
    "th,td{border-color:#333}td:nth-child(3){color:#aaa}footer{color:#999}}";

int ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/** Case-insensitive for ASCII, bytewise beyond; the bytes break ties so the order is total. */
int compare_names(std::string_view a, std::string_view b) {
    std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        int d = ascii_lower(static_cast<unsigned char>(a[i])) - ascii_lower(static_cast<unsigned char>(b[i]));
        if (d != 0) return d;
    }
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}

std::string_view key_name(index_order::key k) {
    switch (k) {
    case index_order::key::size: return "size";
    case index_order::key::date: return "date";
    case index_order::key::name: break;
    }
    return "name";
}

/** A column head: a link that sorts by its key (the current column's link reverses the order). */
void append_column_head(std::string& out, std::string_view label, std::string_view css, index_order::key k,
                        index_order current, std::string_view self_href) {
    index_order next{k, current.by == k ? !current.descending : false};
    out += "<th class=\"";
    out += css;
    out += "\"";
    if (current.by == k) out += current.descending ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"";
    out += "><a href=\"";
    xml::append_escaped(out, self_href);
    out += "?";
    out += index_query(next);
    out += "\">";
    out += label;
    if (current.by == k) out += current.descending ? " \xE2\x96\xBC" : " \xE2\x96\xB2"; // ▼ ▲
    out += "</a></th>";
}

std::string base64(const unsigned char* data, int size) {
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size);
    out.resize(n);
    return out;
}

} // namespace

index_order parse_index_order(std::string_view query) {
    index_order order;
    bool seen_sort = false, seen_order = false;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = pair.find('=');
        auto name = pair.substr(0, eq);
        auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (name == "sort") {
            if (seen_sort) return {};
            seen_sort = true;
            if (value == "size") order.by = index_order::key::size;
            else if (value == "date") order.by = index_order::key::date;
            else if (value != "name") return {};
        } else if (name == "order") {
            if (seen_order) return {};
            seen_order = true;
            if (value == "desc") order.descending = true;
            else if (value != "asc") return {};
        }
    }
    return order;
}

std::string index_query(index_order order) {
    std::string q = "sort=";
    q += key_name(order.by);
    q += order.descending ? "&order=desc" : "&order=asc";
    return q;
}

void sort_index(std::vector<index_entry>& entries, index_order order) {
    std::sort(entries.begin(), entries.end(), [order](const index_entry& a, const index_entry& b) {
        if (a.collection != b.collection) return a.collection;
        int c = 0;
        if (order.by == index_order::key::size && !a.collection && a.size != b.size) c = a.size < b.size ? -1 : 1;
        if (order.by == index_order::key::date && a.modified != b.modified) c = a.modified < b.modified ? -1 : 1;
        if (c == 0) c = compare_names(a.name, b.name);
        return order.descending ? c > 0 : c < 0;
    });
}

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes) / 1024;
    std::size_t unit = 0;
    // 1023.96 KiB would print as "1024.0 KiB": move up a unit before rounding can reach 1024.
    while (value >= 1023.95 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

std::string index_date(std::time_t t) {
    std::tm tm{};
    if (!::gmtime_r(&t, &tm)) return "";
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min);
    return text;
}

std::string index_head(std::string_view title, std::string_view self_href, std::string_view parent_href,
                       index_order order) {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n<title>Index of ";
    xml::append_escaped(out, title);
    out += "</title>\n<style>";
    out += style;
    out += "</style></head>\n<body>\n<h1>Index of ";
    xml::append_escaped(out, title);
    out += "</h1>\n";
    if (!parent_href.empty()) {
        out += "<a class=\"up\" id=\"parent\" rel=\"up\" href=\"";
        xml::append_escaped(out, parent_href);
        out += "\">\xE2\x86\x91 Parent directory</a>\n"; // ↑
    }
    out += "<table>\n<thead><tr>";
    append_column_head(out, "Name", "name", index_order::key::name, order, self_href);
    append_column_head(out, "Size", "size", index_order::key::size, order, self_href);
    append_column_head(out, "Modified", "date", index_order::key::date, order, self_href);
    out += "</tr></thead>\n<tbody>\n";
    return out;
}

void append_index_row(std::string& out, const index_entry& entry, std::string_view href) {
    // HTML lets a row leave out its end tags (</td>, </tr>), and the columns are styled by position:
    // a row of a 100,000-member collection is about 100 bytes, not 200.
    out += entry.collection ? "<tr class=\"dir\"><td><a href=\"" : "<tr><td><a href=\"";
    xml::append_escaped(out, href);
    out += "\">";
    xml::append_escaped(out, entry.name);
    if (entry.collection) out += "/";
    out += "</a><td>";
    if (entry.collection)
        out += "\xE2\x80\x94"; // —
    else
        out += human_size(entry.size);
    auto date = index_date(entry.modified);
    out += "<td>";
    out.append(date, 0, 10);
    out += "<span> ";
    if (date.size() > 11) out.append(date, 11);
    out += "</span>\n";
}

std::string index_tail(std::size_t count, bool sorted, std::size_t sort_limit) {
    std::string out = "</tbody>\n</table>\n<footer>";
    out += std::to_string(count);
    out += count == 1 ? " entry" : " entries";
    if (!sorted) {
        out += "; more than ";
        out += std::to_string(sort_limit);
        out += ", so in the order the file system lists them, not sorted";
    }
    out += "</footer>\n</body></html>\n";
    return out;
}

const std::string& index_content_security_policy() {
    static const std::string policy = [] {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_Digest(style.data(), style.size(), digest, &length, EVP_sha256(), nullptr);
        return "default-src 'none'; style-src 'sha256-" + base64(digest, static_cast<int>(length)) +
               "'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }();
    return policy;
}

} // namespace keepdav::dav
