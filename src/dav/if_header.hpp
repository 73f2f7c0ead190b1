#pragma once
// The WebDAV If header (RFC 4918 §10.4): parsed into lists of conditions on state tokens and entity
// tags, and evaluated against the lock tokens and ETags of the resources it names. Pure: no sockets,
// no file system; the caller says what state a resource has.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::dav {

/** One Condition: `["Not"] (State-token | "[" entity-tag "]")`. */
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
    std::optional<std::string> tag; ///< the Resource-Tag as sent, without <>; nullopt for No-tag-lists
    std::vector<if_list> lists;
};

/**
 * A parsed If header. Either every group has a tag, or there is exactly one group, untagged, that
 * holds all the No-tag-lists (RFC 4918 §10.4.2 forbids mixing the two).
 */
struct if_header {
    std::vector<if_resource_lists> groups;
    bool tagged() const { return !groups.empty() && groups.front().tag.has_value(); }
};

/** A state token no resource ever has, so `(Not <DAV:no-lock>)` always holds (RFC 4918 §10.4.8). */
inline constexpr std::string_view no_lock_token = "DAV:no-lock";

/** At most this many Conditions in one header, so that parsing and evaluation stay cheap. */
inline constexpr std::size_t max_if_conditions = 1024;
/** At most this many bytes of header value. */
inline constexpr std::size_t max_if_header_length = 64 * 1024;

/**
 * Parses the header's value (what follows "If:"). Anything outside the §10.4.2 grammar is an error
 * whose message() says what is wrong; so is a header over max_if_header_length bytes or with more
 * than max_if_conditions Conditions. Runs in time linear in the length of `value`.
 */
boost::system::result<if_header> parse_if_header(std::string_view value);

/**
 * A state token sent bare, "urn:uuid:…" instead of the Coded-URL "<urn:uuid:…>" (RFC 4918 §10.1,
 * §10.5) or the If header's "(<urn:uuid:…>)" (§10.4.2): the whole value, LWS around it aside, must
 * be one absolute URI. The npm `webdav` client sends its lock tokens so (Lock-Token on UNLOCK, If on a
 * refresh), and Windows' redirector reportedly on UNLOCK; the callers accept this form only where
 * such clients use it, never as part of the If grammar above. nullopt for anything else.
 */
std::optional<std::string_view> parse_bare_state_token(std::string_view value);

/** What the If header can test on one resource. */
struct resource_state {
    std::vector<std::string> lock_tokens; ///< tokens of the locks that cover it (directly or by depth)
    std::optional<std::string> etag;      ///< its strong ETag with quotes, or nullopt when it does not exist
};

/**
 * RFC 4918 §10.4.3–§10.4.4: true when any list holds for its resource, a list holding when each of
 * its conditions does. Untagged lists test `request_path`. A Resource-Tag (absolute URL or absolute
 * path) is resolved with parse_destination(tag, host, tls); a tag on another server, or one that does
 * not resolve, makes every list under it false, negated conditions included.
 *
 * @param request_path the decoded Request-URI path relative to the root (resource_path::rel)
 * @param state_of     the state of a resource, by the same kind of path; called at most once per
 *                     distinct path, and only until a list holds
 */
bool evaluate_if_header(const if_header& h, std::string_view request_path, std::string_view host, bool tls,
                        const std::function<resource_state(std::string_view path)>& state_of,
                        std::string_view prefix = {});

/**
 * The state tokens the header names, negated or not, in order of first appearance and without
 * repeats: RFC 4918 §10.4.1 counts a token as submitted whether or not its list is evaluated or
 * holds. DAV:no-lock is left out, since it is not the token of any lock.
 */
std::vector<std::string> submitted_tokens(const if_header& h);

/** Why parse_if_header refused a header. */
enum class if_errc {
    empty = 1,          ///< nothing but whitespace
    expected_list,      ///< something other than a List or a Resource-Tag where one should be
    unterminated_list,  ///< a List without its ')'
    empty_list,         ///< "()"
    expected_condition, ///< something other than <…> or […] inside a List (or a bare "Not")
    bad_state_token,    ///< <…> in a List is not an absolute URI
    bad_entity_tag,     ///< […] is not exactly one entity tag
    bad_resource_tag,   ///< <…> before the Lists is neither an absolute URI nor an absolute path
    mixed_tags,         ///< tagged and untagged lists in one header
    too_long,           ///< over max_if_header_length or max_if_conditions
};
boost::system::error_code make_error_code(if_errc e);
const boost::system::error_category& if_category();

} // namespace keepdav::dav

template <> struct boost::system::is_error_code_enum<keepdav::dav::if_errc> : std::true_type {};
