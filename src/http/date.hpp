#pragma once
// HTTP dates (RFC 9110 §5.6.7) and the RFC 3339 form WebDAV's creationdate uses, independent of the
// process locale.
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace keepdav::http_util {

/** "Sun, 06 Nov 1994 08:49:37 GMT" */
std::string format_http_date(std::time_t t);
/** The Date header's value for now, formatted at most once a second per thread. */
const std::string& current_http_date();
/** "1994-11-06T08:49:37Z" */
std::string format_rfc3339(std::time_t t);
/** Parses IMF-fixdate, the obsolete RFC 850 form, and asctime(); nullopt for anything else. */
std::optional<std::time_t> parse_http_date(std::string_view text);

} // namespace keepdav::http_util
