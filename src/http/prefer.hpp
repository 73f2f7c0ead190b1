#pragma once
// The Prefer request header (RFC 7240): which of its preferences a request states.
#include <boost/beast/http/fields.hpp>

#include <string_view>

namespace keepdav::http_util {

/**
 * True when a Prefer field of `fields` states the preference `token` (case-insensitive, RFC 7240
 * §2): each field is a comma-separated list of `token [= value] *( ";" parameter )`; values and
 * parameters are not weighed here. A preference that occurs twice counts once (§2: the first wins).
 */
bool prefers(const boost::beast::http::fields& fields, std::string_view token);

} // namespace keepdav::http_util
