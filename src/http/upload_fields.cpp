#include "http/upload_fields.hpp"

#include <boost/beast/core/string.hpp>

#include <charconv>

namespace keepdav::http_util {

namespace {

/** The bare item, with optional whitespace around it and its parameters (";key=value...") cut off. */
std::string_view bare_item(std::string_view value) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    value = trim(value);
    if (auto semi = value.find(';'); semi != std::string_view::npos) value = value.substr(0, semi);
    return value;
}

/** The one value of a field that must occur once: a repeated field is a list, not an Item. */
std::optional<std::string_view> single(const boost::beast::http::fields& fields, std::string_view name) {
    auto range = fields.equal_range(name);
    if (range.first == range.second || std::next(range.first) != range.second) return std::nullopt;
    return range.first->value();
}

} // namespace

std::optional<bool> sf_boolean(std::string_view value) {
    value = bare_item(value);
    if (value == "?1") return true;
    if (value == "?0") return false;
    return std::nullopt;
}

std::optional<std::uint64_t> sf_count(std::string_view value) {
    value = bare_item(value);
    // RFC 9651 §4.2.4: at most 15 digits; a sign, a fraction or anything else is another type.
    if (value.empty() || value.size() > 15) return std::nullopt;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return n;
}

upload_fields upload_fields_of(const boost::beast::http::fields& fields) {
    upload_fields f;
    if (auto v = single(fields, "Upload-Complete")) f.complete = sf_boolean(*v);
    if (auto v = single(fields, "Upload-Offset")) f.offset = sf_count(*v);
    if (auto v = single(fields, "Upload-Length")) f.length = sf_count(*v);
    if (auto v = single(fields, "Upload-Draft-Interop-Version")) f.interop = sf_count(*v);
    return f;
}

std::string upload_limit_value(std::optional<std::uint64_t> max_size, std::optional<std::uint64_t> max_age) {
    std::string out;
    if (max_size) out = "max-size=" + std::to_string(*max_size);
    if (max_age) out += (out.empty() ? "" : ", ") + std::string("max-age=") + std::to_string(*max_age);
    return out;
}

bool is_partial_upload(std::string_view content_type) {
    return boost::beast::iequals(bare_item(content_type), "application/partial-upload");
}

} // namespace keepdav::http_util
