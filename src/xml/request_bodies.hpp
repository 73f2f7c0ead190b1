#pragma once
// WebDAV request bodies, parsed into plain structs. Anything malformed or of the wrong shape answers
// an error with a message a client developer can act on.
#include "xml/qname.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <vector>

namespace keepdav::xml {

/** The error parse_* answers; message() says what was wrong. */
struct body_error {
    std::string message;
};

template <class T>
using parse_result = boost::system::result<T, body_error>;

struct propfind_body {
    enum class kind { allprop, propname, prop } type = kind::allprop;
    std::vector<qname> props;   ///< for prop
    std::vector<qname> include; ///< for allprop with <include>
};

/** An empty body means allprop (RFC 4918 §9.1). */
parse_result<propfind_body> parse_propfind(std::string_view body);

/** One instruction of a PROPPATCH, in document order (RFC 4918 §9.2). */
struct property_update {
    enum class kind { set, remove } op;
    qname name;
    std::string value_xml; ///< for set: the property element, self-contained (xml/serialize.hpp)
};

parse_result<std::vector<property_update>> parse_propertyupdate(std::string_view body);

struct lockinfo_body {
    bool exclusive = true;
    std::string owner_xml; ///< the DAV:owner element, self-contained; empty when absent
};

/** A LOCK body (RFC 4918 §14.11); write locks only. An empty body is a refresh and not parsed here. */
parse_result<lockinfo_body> parse_lockinfo(std::string_view body);

} // namespace keepdav::xml

namespace boost::system {
// result<T, body_error> reports errors by throwing; keep it informative.
[[noreturn]] inline void throw_exception_from_error(const keepdav::xml::body_error& e, const boost::source_location&) {
    throw std::runtime_error(e.message);
}
} // namespace boost::system
