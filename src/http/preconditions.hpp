#pragma once
// HTTP conditional requests (RFC 9110 §13): If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since, evaluated in the order §13.2.2 prescribes.
#include <boost/beast/http/fields.hpp>

#include <ctime>
#include <string>

namespace keepdav::http_util {

/** What a resource offers to be compared against. */
struct validators {
    bool exists = false;
    std::string etag; ///< strong, with quotes
    std::time_t last_modified = 0;
};

enum class precondition {
    proceed,
    not_modified, ///< 304: only for GET and HEAD
    failed,       ///< 412
};

/** `safe` is true for GET and HEAD, where a failed If-None-Match or If-Modified-Since means 304. */
precondition evaluate_preconditions(const boost::beast::http::fields& request, bool safe, const validators& v);

} // namespace keepdav::http_util
