#pragma once
// Namespace-qualified XML names. pugixml does no namespace processing, so prefixes are resolved here
// by walking up the xmlns declarations.
#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace keepdav::xml {

inline constexpr std::string_view dav_ns = "DAV:";

struct qname {
    std::string ns;
    std::string local;
    bool operator==(const qname&) const = default;
    bool is(std::string_view n, std::string_view l) const { return ns == n && local == l; }
    bool is_dav(std::string_view l) const { return is(dav_ns, l); }
};

/** The expanded name of an element, resolving its prefix against the declarations in scope. */
qname name_of(const pugi::xml_node& element);

/** The first child element with expanded name {ns}local, or an empty node. */
pugi::xml_node child(const pugi::xml_node& parent, std::string_view ns, std::string_view local);

} // namespace keepdav::xml
