#pragma once
// The little JSON keepdav writes (transcripts, keepdav-probe --json): string literals, escaped.
#include <cstdio>
#include <string>
#include <string_view>

namespace keepdav {

/** A JSON string literal, quotes included (RFC 8259 §7). */
inline std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                out += escaped;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
    return out;
}

} // namespace keepdav
