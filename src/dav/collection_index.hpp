#pragma once
// GET and HEAD of a collection: the HTML index (streamed while the collection is walked) or, with
// "?davmount", RFC 4709's mount document. Internal to dav/ (get_head.cpp calls it).
#include "dav/handler.hpp"
#include "dav/target.hpp"

#include <string_view>

namespace keepdav::dav {

/** The most members sorted in memory; a larger collection is listed in the order it is read. */
inline constexpr std::size_t index_sort_limit = 20000;

/** The query of a request-target ("sort=size" of "/a/?sort=size"); empty when it has none. */
std::string_view query_of(std::string_view target);

/** What GET or HEAD of the collection `path` answers (`rel` names a directory). */
outcome collection_get(const request& req, const context& ctx, const resource_path& path);

/** The davmount document for a file: mount its collection, open the file (RFC 4709 §4, dm:open). */
reply davmount_reply(const request& req, const context& ctx, std::string_view collection_rel, std::string_view open);

} // namespace keepdav::dav
