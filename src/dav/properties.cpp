#include "dav/properties.hpp"

#include "http/date.hpp"
#include "http/etag.hpp"
#include "http/mime.hpp"

namespace keepdav::dav {

namespace {

bool always(const fs::entry_info&) { return true; }
bool files_only(const fs::entry_info& info) { return !info.is_directory(); }

void write_resourcetype(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info& info, std::string_view) {
    if (info.is_directory())
        w.xml_property(name, "<D:collection/>");
    else
        w.empty_property(name);
}

void write_length(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info& info, std::string_view) {
    w.text_property(name, std::to_string(info.size));
}

void write_modified(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info& info, std::string_view) {
    w.text_property(name, http_util::format_http_date(info.modified.tv_sec));
}

void write_created(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info& info, std::string_view) {
    w.text_property(name, http_util::format_rfc3339(info.created.tv_sec));
}

void write_etag(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info& info, std::string_view) {
    w.text_property(name, http_util::etag_for(info));
}

void write_type(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info&, std::string_view leaf) {
    w.text_property(name, http_util::content_type_for(leaf));
}

void write_displayname(xml::multistatus_writer& w, const xml::qname& name, const fs::entry_info&, std::string_view leaf) {
    w.text_property(name, leaf);
}

} // namespace

const std::vector<live_property>& live_properties() {
    static const std::vector<live_property> table{
        {{"DAV:", "resourcetype"}, always, write_resourcetype},
        {{"DAV:", "getcontentlength"}, files_only, write_length},
        {{"DAV:", "getlastmodified"}, always, write_modified},
        {{"DAV:", "creationdate"}, always, write_created},
        {{"DAV:", "getetag"}, files_only, write_etag},
        {{"DAV:", "getcontenttype"}, files_only, write_type},
        {{"DAV:", "displayname"}, always, write_displayname},
    };
    return table;
}

const live_property* find_live_property(const xml::qname& name) {
    for (const auto& p : live_properties())
        if (p.name == name) return &p;
    return nullptr;
}

} // namespace keepdav::dav
