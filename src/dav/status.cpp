#include "dav/status.hpp"

#include "log.hpp"

#include <cerrno>
#include <string>

namespace keepdav::dav {

using boost::beast::http::status;

status_decision status_for(const boost::system::error_code& ec, path_role role) {
    if (ec.category() != boost::system::system_category() && ec.category() != boost::system::generic_category())
        return {status::internal_server_error, true};
    switch (ec.value()) {
    case ENOENT:
    case ENOTDIR:
        return {role == path_role::target ? status::not_found : status::conflict, false};
    case EACCES:
    case EPERM:
    case EROFS:
    case ELOOP:
        return {status::forbidden, false};
    case EEXIST:
    case ENOTEMPTY:
        return {status::conflict, false};
    case EISDIR:
        return {status::method_not_allowed, false};
    case ENOSPC:
    case EDQUOT:
        return {status::insufficient_storage, false};
    case ENAMETOOLONG:
        return {status::uri_too_long, false};
    case EFBIG:
        return {status::payload_too_large, false};
    case EINVAL:
        return {status::bad_request, false};
    case ECANCELED:
        // Stopped because the client left or the server is shutting down: nobody's fault.
        return {status::service_unavailable, false};
    default:
        return {status::internal_server_error, true};
    }
}

status status_logged(const boost::system::error_code& ec, path_role role, std::string_view what) {
    auto decision = status_for(ec, role);
    std::string line(what);
    line.append(": ").append(std::to_string(static_cast<unsigned>(decision.status))).append(" (").append(ec.message()).append(")");
    if (decision.server_fault)
        log::error(line);
    else if (ec.value() == ECANCELED)
        log::info(line);
    else
        log::debug(line);
    return decision.status;
}

} // namespace keepdav::dav
