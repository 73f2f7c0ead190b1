#pragma once
// Which parts of the namespace a request changes or reads as a whole, for the path locks that make
// its precondition checks and its change one atomic step (see locks/path_locks.hpp).
#include "dav/handler.hpp"
#include "locks/path_locks.hpp"

#include <vector>

namespace keepdav::dav {

/**
 * The claims of a request: exclusive on every path it changes (the target of PUT, DELETE, MKCOL,
 * PROPPATCH, LOCK, UNLOCK; both ends of a MOVE; the destination of a COPY), shared on the source of a
 * COPY (read whole, so it must not change midway). Methods that only read claim nothing: a GET reads
 * one file, which writers replace atomically. A target or Destination that does not parse claims
 * nothing: the handler refuses it.
 */
std::vector<locks::path_claim> claims_for(const request_header& head, bool tls, std::string_view host,
                                           std::string_view prefix = {});

} // namespace keepdav::dav
