#pragma once
// From what a client writes (request-target, Destination) to a path beneath the root, and back to
// hrefs. Percent-decoding is Boost.URL's; the checks that keep a path beneath the root are ours.
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace keepdav::dav {

/** A decoded path beneath the root: segments joined by '/', "" for the root itself. */
struct resource_path {
    std::string rel;
    bool trailing_slash = false;
};

/**
 * Parses an origin-form (or absolute-form) request-target. With a `prefix` (--prefix: "/dav", see
 * normalize_prefix), the share lives under it: its decoded leading segments must be the prefix's
 * (else outside_prefix) and are taken off.
 */
boost::system::result<resource_path> parse_target(std::string_view target, std::string_view prefix = {});

/**
 * For the server's own namespaces at the root (".keepdav-operations", ".keepdav-uploads"): the
 * member a request-target names in namespace `name` ("" for the namespace itself), or nothing when
 * the target is outside it ("name" followed by anything but "/" is an ordinary name).
 */
std::optional<std::string> namespace_member(std::string_view target, std::string_view prefix, std::string_view name);

/**
 * Parses a Destination header: an absolute URI on this server (same scheme, host and port as
 * `host_header`) or an absolute path; under `prefix` as parse_target.
 */
boost::system::result<resource_path> parse_destination(std::string_view destination, std::string_view host_header,
                                                       bool tls, std::string_view prefix = {});

/** The percent-encoded absolute path of `rel` (under `prefix`), with a trailing slash for a collection. */
std::string href_for(std::string_view rel, bool collection, std::string_view prefix = {});

/**
 * --prefix as given to its normal form: one leading slash, no trailing one, "" for "/" or nothing
 * ("dav/" -> "/dav"). Throws std::invalid_argument, saying why, for an empty segment, "." or "..",
 * or a character outside RFC 3986 pchar (percent-escapes included: write the prefix unescaped).
 */
std::string normalize_prefix(std::string_view prefix);

/** Error codes parse_* answers with, for the handler to tell the client why. */
enum class target_errc { malformed = 1, forbidden_segment, other_server, outside_prefix };
boost::system::error_code make_error_code(target_errc e);
const boost::system::error_category& target_category();

} // namespace keepdav::dav

template <>
struct boost::system::is_error_code_enum<keepdav::dav::target_errc> : std::true_type {};
