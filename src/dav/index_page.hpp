#pragma once
// The HTML index a browser gets for GET of a collection, as pure functions: the page's head (title,
// parent link, the column heads that sort), one row per member, the tail. The handler (get_head.cpp)
// walks the collection and streams what these return; nothing here touches a file.
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::dav {

/** One member of the listed collection, as the index shows it. */
struct index_entry {
    std::string name;
    bool collection = false;
    std::uint64_t size = 0;
    std::time_t modified = 0;
};

/** How the rows are ordered: `?sort=name|size|date&order=asc|desc` (name ascending when absent). */
struct index_order {
    enum class key { name, size, date };
    key by = key::name;
    bool descending = false;
    bool operator==(const index_order&) const = default;
};

/** The order a request's query asks for; unknown or repeated parameters fall back to the default. */
index_order parse_index_order(std::string_view query);

/** The query string that asks for `order` ("sort=size&order=desc"). */
std::string index_query(index_order order);

/** Orders entries: collections first, then by the key (names break ties), ascending or descending. */
void sort_index(std::vector<index_entry>& entries, index_order order);

/** "0 B", "999 B", "1.0 KiB", "15.3 MiB", ...: one decimal from KiB up (binary units). */
std::string human_size(std::uint64_t bytes);

/** "2026-12-07 14:32" in UTC. */
std::string index_date(std::time_t t);

/**
 * The document up to the first row: `title` is the collection's path as the client sees it (decoded),
 * `parent_href` its parent's href (empty at the root: no parent link), `self_href` its own href, used
 * by the sort links.
 */
std::string index_head(std::string_view title, std::string_view self_href, std::string_view parent_href,
                       index_order order);

/** One row; `href` is the member's percent-encoded absolute href (dav::href_for). */
void append_index_row(std::string& out, const index_entry& entry, std::string_view href);

/**
 * The rest of the document. `sorted` false says the collection was too large to sort (`sort_limit`)
 * and its rows are in the order the file system lists them.
 */
std::string index_tail(std::size_t count, bool sorted, std::size_t sort_limit);

/**
 * The Content-Security-Policy of the page: nothing may load or run but its own inline style (named by
 * its hash), so a hostile file name could not run script even if escaping failed.
 */
const std::string& index_content_security_policy();

} // namespace keepdav::dav
