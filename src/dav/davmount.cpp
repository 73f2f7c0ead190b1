#include "dav/davmount.hpp"
#include "xml/multistatus_writer.hpp"

namespace keepdav::dav {

bool asks_for_davmount(std::string_view query) { return query == "davmount" || query == "davmount="; }

std::string davmount_document(std::string_view url, std::string_view open) {
    // RFC 4709 §4: the namespace, dm:url required, dm:open optional (a relative path below dm:url).
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                      "<dm:mount xmlns:dm=\"http://purl.org/NET/webdav/mount\">\n<dm:url>";
    xml::append_escaped(out, url);
    out += "</dm:url>\n";
    if (!open.empty()) {
        out += "<dm:open>";
        xml::append_escaped(out, open);
        out += "</dm:open>\n";
    }
    out += "</dm:mount>\n";
    return out;
}

} // namespace keepdav::dav
