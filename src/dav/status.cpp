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
        // Where something is being written (a new resource's parent, a COPY/MOVE destination), a
        // missing or non-collection ancestor is a conflict the client can resolve (RFC 4918 §9.7.1,
        // §9.8.5), including when another client removed it while the request ran.
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
        // On the Request-URI, the method does not apply to a collection. Where a file is being
        // written, another client put a collection at its name meanwhile: a conflict (RFC 4918 §9.7.1).
        return {role == path_role::target ? status::method_not_allowed : status::conflict, false};
    case ENOSPC:
    case EDQUOT:
        return {status::insufficient_storage, false};
    case ENAMETOOLONG:
        return {status::uri_too_long, false};
    case EFBIG:
        return {status::payload_too_large, false};
    case EINVAL:
        return {status::bad_request, false};
    case EMFILE:
    case ENFILE:
        // Out of descriptors, for the moment: the request may well succeed when retried (the reply
        // carries Retry-After). The operator should hear of it.
        return {status::service_unavailable, true};
    case ECANCELED:
        // Stopped because the client left or the server is shutting down: nobody's fault.
        return {status::service_unavailable, false};
    default:
        return {status::internal_server_error, true};
    }
}

std::string status_line(status s) {
    return "HTTP/1.1 " + std::to_string(static_cast<unsigned>(s)) + " " + std::string(boost::beast::http::obsolete_reason(s));
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
