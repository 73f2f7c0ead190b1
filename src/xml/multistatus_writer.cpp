#include "xml/multistatus_writer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace keepdav::xml {

namespace {

/** What a byte asks of the copy loop; a table look-up per byte keeps the common case one branch. */
enum class byte_class : unsigned char {
    plain,     ///< copied as part of a run
    markup,    ///< & < > " : an entity when escaping
    forbidden, ///< C0 controls but TAB, LF and CR: not a Char of XML 1.0 (§2.2)
    multibyte, ///< >= 0x80: the start (or a stray part) of a UTF-8 sequence, to validate
};

constexpr std::array<byte_class, 256> byte_classes = [] {
    std::array<byte_class, 256> table{};
    for (unsigned b = 0; b < 0x20; ++b)
        if (b != '\t' && b != '\n' && b != '\r') table[b] = byte_class::forbidden;
    for (unsigned char b : {'&', '<', '>', '"'}) table[b] = byte_class::markup;
    for (unsigned b = 0x80; b < 0x100; ++b) table[b] = byte_class::multibyte;
    return table;
}();

constexpr std::string_view replacement_character = "\xEF\xBF\xBD"; // U+FFFD

/**
 * The length of the UTF-8 sequence at the start of `s` (s[0] >= 0x80) when it is well formed and an
 * XML 1.0 Char (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF; XML 1.0 §2.2:
 * not U+FFFE or U+FFFF), else 0 with `bad` set to the bytes to replace: the maximal subpart of an
 * ill-formed sequence (Unicode §3.9, "U+FFFD Substitution of Maximal Subparts"), never less than 1.
 */
std::size_t valid_utf8_char(std::string_view s, std::size_t& bad) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char second_min = 0x80, second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
    if (lead == 0xE0) second_min = 0xA0;      // overlong
    else if (lead == 0xED) second_max = 0x9F; // surrogates
    else if (lead == 0xF0) second_min = 0x90; // overlong
    else if (lead == 0xF4) second_max = 0x8F; // above U+10FFFF
    std::size_t matched = length == 0 ? 0 : 1;
    while (matched < length && matched < s.size()) {
        unsigned char b = byte(matched);
        bool in_range = matched == 1 ? (b >= second_min && b <= second_max) : (b >= 0x80 && b <= 0xBF);
        if (!in_range) break;
        ++matched;
    }
    if (length == 0 || matched < length) {
        bad = std::max<std::size_t>(matched, 1);
        return 0;
    }
    if (lead == 0xEF && byte(1) == 0xBF && (byte(2) == 0xBE || byte(2) == 0xBF)) { // U+FFFE, U+FFFF
        bad = 3;
        return 0;
    }
    return length;
}

bool is_xml_char(std::uint32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/**
 * The length of the character reference at the start of `s` ("&#1;", "&#x1F;") when it names no XML
 * 1.0 Char (§4.1, WFC: Legal Character), else 0. pugixml writes C0 controls so ("&#01;"), and dead
 * properties stored before keepdav refused them in request bodies may hold such references.
 */
std::size_t illegal_character_reference(std::string_view s) {
    if (!s.starts_with("&#")) return 0;
    bool hex = s.size() > 2 && s[2] == 'x';
    std::size_t i = hex ? 3 : 2, digits_start = i;
    std::uint32_t value = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        unsigned digit;
        if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
        else if (hex && c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
        else break;
        value = std::min<std::uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000); // past U+10FFFF: no Char
    }
    if (i == digits_start || i >= s.size() || s[i] != ';') return 0; // not a reference this checks
    return is_xml_char(value) ? 0 : i + 1;
}

/**
 * Copies `text` into `out` as XML 1.0 characters (§2.2): what XML cannot hold (a C0 control but TAB,
 * LF and CR; ill-formed UTF-8; U+FFFE and U+FFFF) becomes U+FFFD, so that a name or value with any
 * bytes at all still makes a well-formed document. With `escape_markup`, & < > " become entities;
 * without, markup is kept but a character reference to a non-Char is replaced too.
 * Runs of ordinary bytes are copied whole; the UTF-8 check runs only where a byte >= 0x80 appears.
 */
template <bool escape_markup>
void append_xml_chars(std::string& out, std::string_view text) {
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size();) {
        auto kind = byte_classes[static_cast<unsigned char>(text[i])];
        if (kind == byte_class::plain) {
            ++i;
            continue;
        }
        std::string_view substitute;
        std::size_t replaced = 1;
        switch (kind) {
        case byte_class::markup:
            if constexpr (!escape_markup) {
                replaced = text[i] == '&' ? illegal_character_reference(text.substr(i)) : 0;
                if (replaced == 0) {
                    ++i;
                    continue;
                }
                substitute = replacement_character;
                break;
            }
            switch (text[i]) {
            case '&': substitute = "&amp;"; break;
            case '<': substitute = "&lt;"; break;
            case '>': substitute = "&gt;"; break;
            default: substitute = "&quot;"; break;
            }
            break;
        case byte_class::forbidden: substitute = replacement_character; break;
        case byte_class::multibyte:
            if (auto length = valid_utf8_char(text.substr(i), replaced)) {
                i += length;
                continue;
            }
            substitute = replacement_character;
            break;
        case byte_class::plain: break;
        }
        out.append(text.data() + run, i - run);
        out += substitute;
        i += replaced;
        run = i;
    }
    out.append(text.data() + run, text.size() - run);
}

} // namespace

void append_escaped(std::string& out, std::string_view text) { append_xml_chars<true>(out, text); }

void append_xml_characters(std::string& out, std::string_view markup) { append_xml_chars<false>(out, markup); }

void multistatus_writer::open() { out_ += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n"; }

void multistatus_writer::close() { out_ += "</D:multistatus>\n"; }

void multistatus_writer::response_status(std::string_view href, std::string_view status_line) {
    out_ += "<D:response><D:href>";
    append_escaped(out_, href);
    out_ += "</D:href><D:status>";
    append_escaped(out_, status_line);
    out_ += "</D:status></D:response>\n";
}

void multistatus_writer::begin_response(std::string_view href) {
    out_ += "<D:response><D:href>";
    append_escaped(out_, href);
    out_ += "</D:href>";
}

void multistatus_writer::end_response() { out_ += "</D:response>\n"; }

void multistatus_writer::begin_propstat() { out_ += "<D:propstat><D:prop>"; }

void multistatus_writer::end_propstat(std::string_view status_line, std::string_view error_condition) {
    out_ += "</D:prop><D:status>";
    append_escaped(out_, status_line);
    out_ += "</D:status>";
    if (!error_condition.empty()) {
        // RFC 4918 §14.22: <!ELEMENT propstat (prop, status, error?, responsedescription?) >
        out_ += "<D:error><D:";
        out_ += error_condition;
        out_ += "/></D:error>";
    }
    out_ += "</D:propstat>";
}

void multistatus_writer::open_tag(const qname& name, bool empty) {
    out_.push_back('<');
    if (name.ns == dav_ns) {
        out_ += "D:";
        out_ += name.local;
    } else {
        // A namespace declared on the element itself: names from any namespace stay well formed.
        out_ += name.local;
        out_ += " xmlns=\"";
        append_escaped(out_, name.ns);
        out_.push_back('"');
    }
    out_ += empty ? "/>" : ">";
}

void multistatus_writer::close_tag(const qname& name) {
    out_ += "</";
    if (name.ns == dav_ns) out_ += "D:";
    out_ += name.local;
    out_.push_back('>');
}

void multistatus_writer::empty_property(const qname& name) { open_tag(name, true); }

void multistatus_writer::text_property(const qname& name, std::string_view text) {
    open_tag(name, false);
    append_escaped(out_, text);
    close_tag(name);
}

void multistatus_writer::xml_property(const qname& name, std::string_view inner_xml) {
    open_tag(name, false);
    out_ += inner_xml;
    close_tag(name);
}

} // namespace keepdav::xml
