#pragma once
// Writes a 207 Multi-Status body (RFC 4918 §13) piece by piece into a string the caller drains, so a
// response for millions of resources never sits in memory whole.
#include "xml/qname.hpp"

#include <string>
#include <string_view>

namespace keepdav::xml {

/**
 * Appends `text` to `out`, escaped for element content or attribute values. Whatever the bytes, what
 * is appended is XML 1.0 characters: a C0 control (but TAB, LF, CR), ill-formed UTF-8, U+FFFE and
 * U+FFFF each become U+FFFD (a file name on disk may hold any byte but '/' and NUL).
 */
void append_escaped(std::string& out, std::string_view text);

/** Appends serialised XML (markup kept as it is) with the same replacements as append_escaped. */
void append_xml_characters(std::string& out, std::string_view markup);

class multistatus_writer {
public:
    /** The XML declaration and the opening DAV:multistatus. */
    void open();
    void close();

    /** A whole DAV:response with one DAV:status, whose status-line the caller formats. */
    void response_status(std::string_view href, std::string_view status_line);

    void begin_response(std::string_view href);
    void end_response();
    void begin_propstat();
    /** With `error_condition`, also <D:error><D:error_condition/></D:error> (RFC 4918 §9.2, §16). */
    void end_propstat(std::string_view status_line, std::string_view error_condition = {});

    /** <name/> */
    void empty_property(const qname& name);
    /** <name>escaped text</name> */
    void text_property(const qname& name, std::string_view text);
    /** <name>already-serialised XML</name> */
    void xml_property(const qname& name, std::string_view inner_xml);

    /**
     * A whole property element, already serialised and self-contained (a dead property). It comes from
     * an extended attribute that any tool may have written: characters XML cannot hold become U+FFFD.
     */
    void raw_property(std::string_view element_xml) { append_xml_characters(out_, element_xml); }

    std::string& data() { return out_; }

private:
    void open_tag(const qname& name, bool empty);
    void close_tag(const qname& name);
    std::string out_;
};

} // namespace keepdav::xml
