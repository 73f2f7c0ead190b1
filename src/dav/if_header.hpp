#pragma once
// The WebDAV If header (RFC 4918 §10.4): parsed into lists of conditions on state tokens and entity
// tags, and evaluated against the lock tokens and ETags of the resources it names.
#include <boost/system/result.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::dav {

struct if_condition {
    bool negated = false;
    enum class kind { state_token, entity_tag } type = kind::state_token;
    /** A token without its <> ("urn:uuid:…", "DAV:no-lock"), or an entity tag as sent ("\"x\"", W/"x"). */
    std::string value;
};

/** Conditions that must all hold (one parenthesised List). */
struct if_list {
    std::vector<if_condition> conditions;
};

/** The lists for one resource: a Resource-Tag's, or (without a tag) the Request-URI's. */
struct if_resource_lists {
    std::optional<std::string> tag; ///< the Resource-Tag as sent, without <>
    std::vector<if_list> lists;
};

struct if_header {
    std::vector<if_resource_lists> groups;
    bool tagged() const { return !groups.empty() && groups.front().tag.has_value(); }
};

/** Parses the header's value; any deviation from the §10.4.2 grammar is an error. */
boost::system::result<if_header> parse_if_header(std::string_view value);

/** What the If header can test on one resource. */
struct resource_state {
    std::vector<std::string> lock_tokens; ///< tokens of the locks that cover it
    std::optional<std::string> etag;      ///< its strong ETag, or nullopt when it does not exist
};

/**
 * RFC 4918 §10.4.3: true when any list holds, a list holding when each of its conditions does.
 * Untagged lists test `request_path`; a Resource-Tag (absolute URL or path) is resolved to a path
 * on this server, and one on another server matches nothing.
 */
bool evaluate_if_header(const if_header& h, std::string_view request_path, std::string_view host, bool tls,
                        const std::function<resource_state(std::string_view path)>& state_of);

/** Every state token the header names (RFC 4918 §10.4.1: how lock tokens are submitted). */
std::vector<std::string> submitted_tokens(const if_header& h);

enum class if_errc { empty = 1, syntax, mixed_tags, too_long };
boost::system::error_code make_error_code(if_errc e);

} // namespace keepdav::dav

template <>
struct boost::system::is_error_code_enum<keepdav::dav::if_errc> : std::true_type {};
