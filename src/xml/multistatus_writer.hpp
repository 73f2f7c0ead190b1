#pragma once
// Writes a 207 Multi-Status body (RFC 4918 §13) piece by piece into a string the caller drains, so a
// response for millions of resources never sits in memory whole.
#include "xml/qname.hpp"

#include <string>
#include <string_view>

namespace keepdav::xml {

/** Appends `text` to `out`, escaped for element content or attribute values. */
void append_escaped(std::string& out, std::string_view text);

class multistatus_writer {
public:
    /** The XML declaration and the opening DAV:multistatus. */
    void open();
    void close();

    /** A whole DAV:response with one DAV:status ("HTTP/1.1 404 Not Found"). */
    void response_status(std::string_view href, std::string_view status_line);

    void begin_response(std::string_view href);
    void end_response();
    void begin_propstat();
    void end_propstat(std::string_view status_line);

    /** <name/> */
    void empty_property(const qname& name);
    /** <name>escaped text</name> */
    void text_property(const qname& name, std::string_view text);
    /** <name>already-serialised XML</name> */
    void xml_property(const qname& name, std::string_view inner_xml);

    /** A whole property element, already serialised and self-contained (a dead property). */
    void raw_property(std::string_view element_xml) { out_ += element_xml; }

    std::string& data() { return out_; }

private:
    void open_tag(const qname& name, bool empty);
    void close_tag(const qname& name);
    std::string out_;
};

/** "HTTP/1.1 404 Not Found" */
std::string status_line(unsigned status);

} // namespace keepdav::xml
