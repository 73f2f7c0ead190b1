#include "xml/multistatus_writer.hpp"

#include <boost/beast/http/status.hpp>

namespace keepdav::xml {

void append_escaped(std::string& out, std::string_view text) {
    // Most text has nothing to escape: copy the runs between special characters whole. (A plain
    // loop: find_first_of calls memchr on the set once per character.)
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char* entity;
        switch (text[i]) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        default: continue;
        }
        out.append(text.data() + run, i - run);
        out += entity;
        run = i + 1;
    }
    out.append(text.data() + run, text.size() - run);
}

std::string status_line(unsigned status) {
    auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason);
}

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

void multistatus_writer::end_propstat(std::string_view status_line) {
    out_ += "</D:prop><D:status>";
    append_escaped(out_, status_line);
    out_ += "</D:status></D:propstat>";
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
