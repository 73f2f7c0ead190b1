#pragma once
// What one user may do where: a level for the whole tree and path prefixes that change it, the longest
// prefix winning. Pure values and functions: the router and the handlers ask, a table-driven test checks.
#include <keepdav/config.hpp>

#include <boost/beast/http/verb.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keepdav::dav {

namespace http = boost::beast::http;

class access_rules {
public:
    access_rules() = default; ///< write everywhere: no user restrictions
    /** `rules`' paths are in resource_path::rel form ("shared/docs", "" for the root). */
    access_rules(access_level base, std::vector<std::pair<std::string, access_level>> rules);

    /** The level at `rel`: the rule of the longest prefix of it (whole segments), else the base. */
    access_level at(std::string_view rel) const;
    /** The lowest level anywhere in the tree `rel` names: at(rel) and every rule beneath it. */
    access_level lowest_within(std::string_view rel) const;
    /** Whether every path is writable (the common case: nothing to check, nothing to filter). */
    bool unrestricted() const { return unrestricted_; }

private:
    access_level base_ = access_level::write;
    std::vector<std::pair<std::string, access_level>> rules_;
    bool unrestricted_ = true;
};

/** What a request may do to one resource. */
enum class access_decision {
    allowed,
    /** RFC 9110 §15.5.5: a `none` path is answered as if it did not exist, so as not to reveal it. */
    not_found,
    /** RFC 9110 §15.5.4: the user may see the resource but not do this to it. */
    forbidden,
};

/** The level `method` needs: read for the methods that only read (GET, HEAD, OPTIONS, PROPFIND), else write. */
access_level needed_level(http::verb method);

/**
 * Whether a request with `method` may act on the resource at `rel`. A method that acts on a whole tree
 * (`tree`: DELETE, the source of a MOVE, the destination a COPY or MOVE replaces) needs its level on every
 * rule beneath it too, and is forbidden as a whole otherwise (see README, "Users and permissions").
 */
access_decision decide(const access_rules& rules, std::string_view rel, access_level needed, bool tree = false);

} // namespace keepdav::dav
