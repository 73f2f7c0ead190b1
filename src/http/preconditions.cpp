#include "http/preconditions.hpp"

#include "http/text.hpp"

#include "http/date.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::http_util {

namespace {

namespace http = boost::beast::http;


std::string_view opaque(std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; }

/**
 * True when the comma-separated list of entity tags matches `etag`, with the strong comparison
 * (If-Match, §13.1.1) or the weak one (If-None-Match, §13.1.2).
 */
bool list_matches(std::string_view list, std::string_view etag, bool strong) {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto tag = trim_ows(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (tag.empty()) continue;
        if (strong ? (!tag.starts_with("W/") && !etag.starts_with("W/") && tag == etag) : opaque(tag) == opaque(etag))
            return true;
    }
    return false;
}

} // namespace

precondition evaluate_preconditions(const http::fields& request, bool safe, const validators& v) {
    // §13.2.2 step 1 / 2: If-Match, or else If-Unmodified-Since.
    if (auto if_match = trim_ows(request[http::field::if_match]); !if_match.empty()) {
        if (!v.exists) return precondition::failed;
        if (if_match != "*" && !list_matches(if_match, v.etag, true)) return precondition::failed;
    } else if (auto since = request[http::field::if_unmodified_since]; !since.empty() && v.exists) {
        if (auto date = parse_http_date(trim_ows(since)); date && v.last_modified > *date) return precondition::failed;
    }
    // Step 3 / 4: If-None-Match, or else If-Modified-Since (GET and HEAD only).
    if (auto if_none_match = trim_ows(request[http::field::if_none_match]); !if_none_match.empty()) {
        bool matched = v.exists && (if_none_match == "*" || list_matches(if_none_match, v.etag, false));
        if (matched) return safe ? precondition::not_modified : precondition::failed;
    } else if (auto since = request[http::field::if_modified_since]; safe && !since.empty() && v.exists) {
        // A date we cannot read is ignored (§13.1.3).
        if (auto date = parse_http_date(trim_ows(since)); date && v.last_modified <= *date) return precondition::not_modified;
    }
    return precondition::proceed;
}

} // namespace keepdav::http_util
