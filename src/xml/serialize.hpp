#pragma once
// Self-contained XML for values kept outside their request (dead properties, lock owners): the
// element with every namespace declaration in scope and its xml:lang, so that it means the same
// thing wherever it is printed later (RFC 4918 §4.3, §17).
#include <pugixml.hpp>

#include <string>

namespace keepdav::xml {

std::string serialize_element(const pugi::xml_node& element);

} // namespace keepdav::xml
