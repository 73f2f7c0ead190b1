#pragma once
// Live properties (RFC 4918 §15): computed from the file system on every request.
#include "fs/tree.hpp"
#include "xml/multistatus_writer.hpp"

#include <vector>

namespace keepdav::dav {

struct live_property {
    xml::qname name;
    /** Whether the property exists on this resource (getcontentlength only on files, ...). */
    bool (*applies)(const fs::entry_info&);
    /** Writes <name>value</name>. `leaf` is the resource's last path segment. */
    void (*write)(xml::multistatus_writer&, const xml::qname&, const fs::entry_info&, std::string_view leaf);
};

const std::vector<live_property>& live_properties();
const live_property* find_live_property(const xml::qname& name);

} // namespace keepdav::dav
