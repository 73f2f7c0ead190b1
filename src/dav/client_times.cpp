#include "dav/client_times.hpp"
#include "http/date.hpp"

#include <pugixml.hpp>

#include <charconv>

namespace keepdav::dav {

namespace {

/** 9999-12-31T23:59:59Z: beyond, a date is a client's bug, and some file systems cannot hold it. */
constexpr std::time_t latest_time = 253402300799;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

} // namespace

std::optional<std::time_t> parse_oc_mtime(std::string_view value) {
    value = trim(value);
    auto dot = value.find('.');
    auto whole = value.substr(0, dot);
    if (dot != std::string_view::npos) {
        auto fraction = value.substr(dot + 1);
        if (fraction.empty() || fraction.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    }
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (whole.empty() || whole.front() == '-' || ec != std::errc() || end != whole.data() + whole.size() ||
        seconds > latest_time)
        return std::nullopt;
    return static_cast<std::time_t>(seconds);
}

win32_property win32_property_of(const xml::qname& name) {
    if (name.ns != win32_ns) return win32_property::none;
    if (name.local == "Win32CreationTime") return win32_property::creation_time;
    if (name.local == "Win32LastAccessTime") return win32_property::last_access_time;
    if (name.local == "Win32LastModifiedTime") return win32_property::last_modified_time;
    if (name.local == "Win32FileAttributes") return win32_property::file_attributes;
    return win32_property::none;
}

std::optional<std::time_t> win32_time_value(std::string_view value_xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(value_xml.data(), value_xml.size(), pugi::parse_default)) return std::nullopt;
    auto element = doc.first_child();
    if (!element) return std::nullopt;
    for (auto child : element.children())
        if (child.type() == pugi::node_element) return std::nullopt; // text only
    auto date = http_util::parse_http_date(trim(element.child_value()));
    if (!date || *date < 0 || *date > latest_time) return std::nullopt;
    return date;
}

} // namespace keepdav::dav
