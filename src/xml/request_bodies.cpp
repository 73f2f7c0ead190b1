#include "xml/request_bodies.hpp"

#include "xml/serialize.hpp"

namespace keepdav::xml {

namespace {

/**
 * XML 1.0 §2.2 and §4.1 (WFC: Legal Character): no C0 control but TAB, LF and CR, neither raw nor as a
 * character reference. pugixml checks neither, and would write "&#1;" back when the value is
 * serialised: a dead property or lock owner that no client could parse in a later PROPFIND.
 */
bool has_control_character(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
    return false;
}

/**
 * Namespaces in XML 1.0 §3 and §5: a prefix must be declared, and may not be bound to the empty
 * name; and no character XML 1.0 forbids (has_control_character). Returns what is wrong, or an
 * empty string.
 */
std::string document_problem(const pugi::xml_node& root) {
    // WebDAV bodies are a few levels deep; a limit keeps prefix lookups (which walk up) cheap.
    constexpr int max_depth = 128;
    std::vector<std::pair<pugi::xml_node, int>> pending{{root, 1}};
    while (!pending.empty()) {
        auto [node, depth] = pending.back();
        pending.pop_back();
        if (depth > max_depth) return "XML body is nested deeper than " + std::to_string(max_depth) + " elements";
        for (auto a : node.attributes()) {
            std::string_view name = a.name();
            if (name.starts_with("xmlns:") && *a.value() == 0)
                return "XML namespace prefix \"" + std::string(name.substr(6)) + "\" is bound to an empty name";
            if (has_control_character(a.value()))
                return "XML attribute \"" + std::string(name) + "\" holds a control character XML 1.0 does not allow";
        }
        std::string_view full = node.name();
        if (auto colon = full.find(':'); colon != std::string_view::npos) {
            auto prefix = full.substr(0, colon);
            if (prefix != "xml" && name_of(node).ns.empty())
                return "XML namespace prefix \"" + std::string(prefix) + "\" is not declared";
        }
        for (auto c : node.children()) {
            if (c.type() == pugi::node_element) pending.emplace_back(c, depth + 1);
            else if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) && has_control_character(c.value()))
                return "XML text holds a control character XML 1.0 does not allow";
        }
    }
    return {};
}

/** Parses a request body into `doc`: well formed, namespace-well-formed, XML 1.0 characters only. */
parse_result<pugi::xml_document*> parse_document(std::string_view body, pugi::xml_document& doc) {
    // parse_default does not expand custom entities and never fetches a DTD.
    auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
    if (!parsed) return body_error{std::string("XML body is not well formed: ") + parsed.description()};
    if (!doc.document_element()) return body_error{"XML body has no root element"};
    if (auto problem = document_problem(doc.document_element()); !problem.empty()) return body_error{problem};
    return &doc;
}

} // namespace

parse_result<propfind_body> parse_propfind(std::string_view body) {
    propfind_body out;
    bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (blank) return out;
    pugi::xml_document doc;
    auto parsed = parse_document(body, doc);
    if (!parsed) return parsed.error();
    auto root = doc.document_element();
    if (!name_of(root).is_dav("propfind")) return body_error{"PROPFIND body must be a DAV:propfind element"};
    bool seen = false;
    for (auto c : root.children()) {
        if (c.type() != pugi::node_element) continue;
        auto n = name_of(c);
        if (n.ns != dav_ns) continue; // RFC 4918 §17: ignore what we do not know
        if (n.local == "allprop" || n.local == "propname" || n.local == "prop") {
            if (seen) return body_error{"DAV:propfind must hold one of allprop, propname or prop"};
            seen = true;
        }
        if (n.local == "allprop") out.type = propfind_body::kind::allprop;
        else if (n.local == "propname") out.type = propfind_body::kind::propname;
        else if (n.local == "prop") {
            out.type = propfind_body::kind::prop;
            for (auto p : c.children())
                if (p.type() == pugi::node_element) out.props.push_back(name_of(p));
        } else if (n.local == "include") {
            for (auto p : c.children())
                if (p.type() == pugi::node_element) out.include.push_back(name_of(p));
        }
    }
    if (!seen) return body_error{"DAV:propfind must hold one of allprop, propname or prop"};
    return out;
}

parse_result<std::vector<property_update>> parse_propertyupdate(std::string_view body) {
    pugi::xml_document doc;
    auto parsed = parse_document(body, doc);
    if (!parsed) return parsed.error();
    auto root = doc.document_element();
    if (!name_of(root).is_dav("propertyupdate")) return body_error{"PROPPATCH body must be a DAV:propertyupdate element"};
    std::vector<property_update> out;
    for (auto instruction : root.children()) {
        if (instruction.type() != pugi::node_element) continue;
        auto n = name_of(instruction);
        if (!n.is_dav("set") && !n.is_dav("remove")) continue;
        auto op = n.local == "set" ? property_update::kind::set : property_update::kind::remove;
        auto prop = child(instruction, dav_ns, "prop");
        if (!prop) return body_error{"DAV:" + n.local + " must hold a DAV:prop element"};
        for (auto p : prop.children()) {
            if (p.type() != pugi::node_element) continue;
            property_update u{op, name_of(p), {}};
            if (op == property_update::kind::set) u.value_xml = serialize_element(p);
            out.push_back(std::move(u));
        }
    }
    if (out.empty()) return body_error{"DAV:propertyupdate names no property"};
    return out;
}

parse_result<lockinfo_body> parse_lockinfo(std::string_view body) {
    pugi::xml_document doc;
    auto parsed = parse_document(body, doc);
    if (!parsed) return parsed.error();
    auto root = doc.document_element();
    if (!name_of(root).is_dav("lockinfo")) return body_error{"LOCK body must be a DAV:lockinfo element"};
    lockinfo_body out;
    auto scope = child(root, dav_ns, "lockscope");
    if (!scope) return body_error{"DAV:lockinfo must hold DAV:lockscope"};
    if (child(scope, dav_ns, "exclusive"))
        out.exclusive = true;
    else if (child(scope, dav_ns, "shared"))
        out.exclusive = false;
    else
        return body_error{"DAV:lockscope must be DAV:exclusive or DAV:shared"};
    auto type = child(root, dav_ns, "locktype");
    if (!type || !child(type, dav_ns, "write")) return body_error{"only DAV:write locks exist"};
    if (auto owner = child(root, dav_ns, "owner")) out.owner_xml = serialize_element(owner);
    return out;
}

} // namespace keepdav::xml
