// The one errno -> status mapping, and the status-lines of DAV:status elements.
#include "dav/status.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/error.hpp>

#include <cerrno>

using namespace keepdav;
namespace http = boost::beast::http;

namespace {

dav::status_decision decided(int error, dav::path_role role = dav::path_role::target) {
    return dav::status_for({error, boost::system::system_category()}, role);
}

} // namespace

TEST_CASE("a missing path is 404 on the target, 409 where something is being written (RFC 4918 §9.7.1)",
          "[unit][dav][status]") {
    CHECK(decided(ENOENT).status == http::status::not_found);
    CHECK(decided(ENOENT, dav::path_role::parent).status == http::status::conflict);
    CHECK(decided(ENOTDIR, dav::path_role::destination).status == http::status::conflict);
    CHECK(decided(EISDIR).status == http::status::method_not_allowed);
    CHECK(decided(EISDIR, dav::path_role::parent).status == http::status::conflict);
}

TEST_CASE("the client's failures are not the server's - the server's are logged as errors", "[unit][dav][status]") {
    CHECK(decided(EACCES).status == http::status::forbidden);
    CHECK_FALSE(decided(EACCES).server_fault);
    CHECK(decided(ENOSPC).status == http::status::insufficient_storage);
    CHECK(decided(EDQUOT).status == http::status::insufficient_storage);
    CHECK(decided(EIO).status == http::status::internal_server_error);
    CHECK(decided(EIO).server_fault);
    CHECK(decided(EMFILE).status == http::status::service_unavailable);
    CHECK(decided(EMFILE).server_fault);
    // Stopped because the client left or the server stops: nobody's fault.
    CHECK(decided(ECANCELED).status == http::status::service_unavailable);
    CHECK_FALSE(decided(ECANCELED).server_fault);
    // Not an errno at all: the server's.
    auto other = dav::status_for(http::error::partial_message, dav::path_role::target);
    CHECK(other.status == http::status::internal_server_error);
    CHECK(other.server_fault);
}

TEST_CASE("a DAV:status holds an HTTP status-line (RFC 4918 §14.28)", "[unit][dav][status]") {
    CHECK(dav::status_line(http::status::ok) == "HTTP/1.1 200 OK");
    CHECK(dav::status_line(http::status::not_found) == "HTTP/1.1 404 Not Found");
    CHECK(dav::status_line(http::status::failed_dependency) == "HTTP/1.1 424 Failed Dependency");
}
