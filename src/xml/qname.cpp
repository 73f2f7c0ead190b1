#include "xml/qname.hpp"

#include <cstring>

namespace keepdav::xml {

namespace {

std::string namespace_for(pugi::xml_node node, std::string_view prefix) {
    std::string attribute = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
    for (; node; node = node.parent()) {
        if (node.type() != pugi::node_element) continue;
        if (auto a = node.attribute(attribute.c_str())) return a.value();
    }
    if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
    return {};
}

} // namespace

qname name_of(const pugi::xml_node& element) {
    std::string_view full = element.name();
    auto colon = full.find(':');
    if (colon == std::string_view::npos) return {namespace_for(element, {}), std::string(full)};
    return {namespace_for(element, full.substr(0, colon)), std::string(full.substr(colon + 1))};
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view ns, std::string_view local) {
    for (auto c : parent.children()) {
        if (c.type() != pugi::node_element) continue;
        auto n = name_of(c);
        if (n.ns == ns && n.local == local) return c;
    }
    return {};
}

} // namespace keepdav::xml
