#pragma once
// Properties (RFC 4918 §4, §15): live ones computed from the file system and the lock table on every
// request, dead ones stored with the file (fs/xattr_props.hpp) as the client sent them.
#include "dav/handler.hpp"
#include "fs/xattr_props.hpp"
#include "locks/lock_store.hpp"
#include "xml/multistatus_writer.hpp"

#include <vector>

namespace keepdav::dav {

/** The resource whose properties are asked for. */
struct property_subject {
    std::string_view rel;
    std::string_view leaf;
    const fs::entry_info& info;
    const context& ctx;
};

struct live_property {
    xml::qname name;
    /** Whether the property exists on this resource (getcontentlength only on files, ...). */
    bool (*applies)(const property_subject&);
    /** Writes <name>value</name>. */
    void (*write)(xml::multistatus_writer&, const xml::qname&, const property_subject&);
    /** Returned by allprop (RFC 4918 §9.1; RFC 4331 quota properties are not). */
    bool in_allprop = true;
    /** A client may set it (it is then kept as a dead property that takes precedence). */
    bool writable = false;
};

const std::vector<live_property>& live_properties();
const live_property* find_live_property(const xml::qname& name);

/** The storage key of a dead property: Clark notation, "{namespace}local". */
std::string property_key(const xml::qname& name);
xml::qname property_name(std::string_view key);

/** Where the dead properties of `rel` live: its parent directory and its name (the root: itself). */
fs::result<fs::xattr_target> xattr_target_for(const context& ctx, std::string_view rel, fs::unique_fd& holder);

/** The DAV:activelock element for a lock (LOCK bodies and lockdiscovery), its lockroot under `prefix`. */
std::string activelock_xml(const locks::lock& l, std::chrono::system_clock::time_point now, std::string_view prefix);

} // namespace keepdav::dav
