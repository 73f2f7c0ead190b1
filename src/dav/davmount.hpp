#pragma once
// RFC 4709: a small XML document that tells the desktop which WebDAV URL to mount (GET of a
// collection with the query "davmount"). A pure function; get_head.cpp answers with it.
#include <string>
#include <string_view>

namespace keepdav::dav {

inline constexpr std::string_view davmount_media_type = "application/davmount+xml";

/** Whether a request's query asks for the mount document: exactly "davmount" (RFC 4709 §3's example). */
bool asks_for_davmount(std::string_view query);

/**
 * The dm:mount document: `url` the collection to mount (absolute, percent-encoded); `open` a member
 * of it to open once mounted (a name, not encoded; empty: none).
 */
std::string davmount_document(std::string_view url, std::string_view open = {});

} // namespace keepdav::dav
