#pragma once
// The one place where a file system error becomes an HTTP status, and where it is decided whether the
// failure is the client's (logged as info) or the server's (logged as an error).
#include <boost/beast/http/status.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace keepdav::dav {

/** What the failing path was to the request, which decides what "not found" means. */
enum class path_role {
    target,      ///< the Request-URI itself: missing is 404
    parent,      ///< the collection that should hold a new resource: missing is 409 (RFC 4918 §9.7.1)
    destination, ///< a COPY/MOVE destination member
};

struct status_decision {
    boost::beast::http::status status;
    bool server_fault; ///< true: log as error, it is not the client's doing
};

status_decision status_for(const boost::system::error_code& ec, path_role role);

/**
 * The status-line a DAV:status element holds (RFC 4918 §14.28: "HTTP/1.1 404 Not Found"). Here, not
 * in xml/: which reason phrase goes with a code is HTTP's business, not the XML writer's.
 */
std::string status_line(boost::beast::http::status status);

/** status_for, and the log line that says why ("PUT /a: 409 (No such file or directory)"). */
boost::beast::http::status status_logged(const boost::system::error_code& ec, path_role role,
                                         std::string_view what);

} // namespace keepdav::dav
