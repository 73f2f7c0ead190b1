#include "xml/serialize.hpp"

#include <set>
#include <sstream>
#include <string_view>

namespace keepdav::xml {

namespace {

struct string_writer : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

} // namespace

std::string serialize_element(const pugi::xml_node& element) {
    pugi::xml_document doc;
    auto copy = doc.append_copy(element);
    std::set<std::string> declared;
    for (auto a : copy.attributes()) declared.insert(a.name());
    // Declarations and xml:lang from the ancestors, nearest first.
    for (auto node = element.parent(); node && node.type() == pugi::node_element; node = node.parent()) {
        for (auto a : node.attributes()) {
            std::string_view name = a.name();
            bool inherited = name == "xmlns" || name.starts_with("xmlns:") || name == "xml:lang";
            if (!inherited || declared.count(a.name())) continue;
            declared.insert(a.name());
            copy.append_attribute(a.name()) = a.value();
        }
    }
    string_writer w;
    copy.print(w, "", pugi::format_raw | pugi::format_no_declaration);
    return w.out;
}

} // namespace keepdav::xml
