#include "dav/properties.hpp"

#include "dav/target.hpp"
#include "http/date.hpp"
#include "http/etag.hpp"
#include "http/mime.hpp"
#include "locks/lock_store.hpp"

namespace keepdav::dav {

namespace {

using writer = xml::multistatus_writer;

bool always(const property_subject&) { return true; }
bool files_only(const property_subject& s) { return !s.info.is_directory(); }
bool lockable(const property_subject& s) { return s.ctx.locks != nullptr; }

void write_resourcetype(writer& w, const xml::qname& name, const property_subject& s) {
    if (s.info.is_directory())
        w.xml_property(name, "<D:collection/>");
    else
        w.empty_property(name);
}

void write_length(writer& w, const xml::qname& name, const property_subject& s) {
    w.text_property(name, std::to_string(s.info.size));
}

void write_modified(writer& w, const xml::qname& name, const property_subject& s) {
    w.text_property(name, http_util::format_http_date(s.info.modified.tv_sec));
}

void write_created(writer& w, const xml::qname& name, const property_subject& s) {
    w.text_property(name, http_util::format_rfc3339(s.info.created.tv_sec));
}

void write_etag(writer& w, const xml::qname& name, const property_subject& s) {
    w.text_property(name, http_util::etag_for(s.info.inode, s.info.size, s.info.modified));
}

void write_type(writer& w, const xml::qname& name, const property_subject& s) {
    w.text_property(name, http_util::content_type_for(s.leaf));
}

void write_displayname(writer& w, const xml::qname& name, const property_subject& s) { w.text_property(name, s.leaf); }

void write_supportedlock(writer& w, const xml::qname& name, const property_subject&) {
    w.xml_property(name, "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
                         "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>");
}

void write_lockdiscovery(writer& w, const xml::qname& name, const property_subject& s) {
    auto now = locks::clock::now();
    std::string inner;
    for (const auto& l : s.ctx.locks->covering(s.rel, now)) inner += activelock_xml(l, now, s.ctx.config.path_prefix);
    w.xml_property(name, inner);
}

/** RFC 4331 §3-4, reported for the file system that holds the tree (as Apache's mod_dav_fs does). */
bool has_quota(const property_subject& s) { return fs::space_of(s.ctx.tree).has_value(); }

void write_quota_available(writer& w, const xml::qname& name, const property_subject& s) {
    if (auto space = fs::space_of(s.ctx.tree)) w.text_property(name, std::to_string(space->available));
}

void write_quota_used(writer& w, const xml::qname& name, const property_subject& s) {
    if (auto space = fs::space_of(s.ctx.tree)) w.text_property(name, std::to_string(space->used));
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
        // RFC 4918 §15.2: displayname SHOULD NOT be protected.
        {{"DAV:", "displayname"}, always, write_displayname, true, true},
        {{"DAV:", "supportedlock"}, lockable, write_supportedlock},
        {{"DAV:", "lockdiscovery"}, lockable, write_lockdiscovery},
        {{"DAV:", "quota-available-bytes"}, has_quota, write_quota_available, false},
        {{"DAV:", "quota-used-bytes"}, has_quota, write_quota_used, false},
    };
    return table;
}

const live_property* find_live_property(const xml::qname& name) {
    for (const auto& p : live_properties())
        if (p.name == name) return &p;
    return nullptr;
}

std::string property_key(const xml::qname& name) { return "{" + name.ns + "}" + name.local; }

xml::qname property_name(std::string_view key) {
    auto close = key.find('}');
    if (!key.starts_with('{') || close == std::string_view::npos) return {"", std::string(key)};
    return {std::string(key.substr(1, close - 1)), std::string(key.substr(close + 1))};
}

fs::result<fs::xattr_target> xattr_target_for(const context& ctx, std::string_view rel, fs::unique_fd& holder) {
    if (rel.empty()) return fs::xattr_target{ctx.tree.root_fd(), ""};
    auto parent = ctx.tree.open_parent(rel);
    if (!parent) return parent.error();
    holder = std::move(parent->dir);
    return fs::xattr_target{holder.get(), std::move(parent->leaf)};
}

} // namespace keepdav::dav
