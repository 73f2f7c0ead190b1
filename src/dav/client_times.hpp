#pragma once
// Modification times that clients set, so copies keep their dates: ownCloud's X-OC-Mtime header on
// PUT (rclone's webdav backend with vendor owncloud/nextcloud, the Nextcloud clients) and the Win32*
// properties Windows' redirector PROPPATCHes after it writes a file. Pure parsing; put.cpp and
// proppatch.cpp apply what these return through fs::set_times.
#include "xml/qname.hpp"

#include <ctime>
#include <optional>
#include <string_view>

namespace keepdav::dav {

/** The header ownCloud servers read on PUT, and what they answer once they applied it. */
inline constexpr std::string_view oc_mtime_field = "X-OC-Mtime";
inline constexpr std::string_view oc_mtime_reply_field = "X-OC-MTime";

/**
 * X-OC-Mtime's value: Unix seconds, digits with an optional fraction (dropped), from 0 to the end of
 * year 9999; nothing for anything else.
 */
std::optional<std::time_t> parse_oc_mtime(std::string_view value);

/** Windows' namespace for its file-system properties (MS-WDV). */
inline constexpr std::string_view win32_ns = "urn:schemas-microsoft-com:";

/** Which of the redirector's properties a PROPPATCH names; `none` for any other property. */
enum class win32_property { none, creation_time, last_access_time, last_modified_time, file_attributes };
win32_property win32_property_of(const xml::qname& name);

/**
 * The date a Win32*Time property holds: its element's text, an RFC 1123 date ("Wed, 02 Dec 2026
 * 10:00:00 GMT"), as the redirector sends it; `value_xml` is the whole property element. Nothing when
 * it is not one.
 */
std::optional<std::time_t> win32_time_value(std::string_view value_xml);

} // namespace keepdav::dav
