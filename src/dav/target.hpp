#pragma once
// From what a client writes (request-target, Destination) to a path beneath the root, and back to
// hrefs. Percent-decoding is Boost.URL's; the checks that keep a path beneath the root are ours.
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace keepdav::dav {

/** A decoded path beneath the root: segments joined by '/', "" for the root itself. */
struct resource_path {
    std::string rel;
    bool trailing_slash = false;
};

/** Parses an origin-form (or absolute-form) request-target. */
boost::system::result<resource_path> parse_target(std::string_view target);

/**
 * Parses a Destination header: an absolute URI on this server (same scheme, host and port as
 * `host_header`) or an absolute path.
 */
boost::system::result<resource_path> parse_destination(std::string_view destination, std::string_view host_header,
                                                       bool tls);

/** The percent-encoded absolute path of `rel`, with a trailing slash for a collection. */
std::string href_for(std::string_view rel, bool collection);

/** Error codes parse_* answers with, for the handler to tell the client why. */
enum class target_errc { malformed = 1, forbidden_segment, other_server };
boost::system::error_code make_error_code(target_errc e);
const boost::system::error_category& target_category();

} // namespace keepdav::dav

template <>
struct boost::system::is_error_code_enum<keepdav::dav::target_errc> : std::true_type {};
