// The HTML index's pieces as pure functions: order parsing, sorting, sizes, dates, escaping, the CSP.
#include "dav/index_page.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::dav;
using key = index_order::key;

TEST_CASE("The index order comes from ?sort and ?order - anything else is the default", "[dav][index]") {
    CHECK(parse_index_order("") == index_order{});
    CHECK(parse_index_order("sort=size") == index_order{key::size, false});
    CHECK(parse_index_order("sort=date&order=desc") == index_order{key::date, true});
    CHECK(parse_index_order("order=desc&sort=name") == index_order{key::name, true});
    CHECK(parse_index_order("sort=bogus") == index_order{});
    CHECK(parse_index_order("sort=size&sort=date") == index_order{});
    CHECK(parse_index_order("order=sideways") == index_order{});
    CHECK(parse_index_order("davmount&sort=size") == index_order{key::size, false});
    CHECK(index_query({key::size, true}) == "sort=size&order=desc");
    CHECK(parse_index_order(index_query({key::date, false})) == index_order{key::date, false});
}

TEST_CASE("Collections come first, then the key, names breaking ties", "[dav][index]") {
    std::vector<index_entry> e{{"b.txt", false, 30, 300}, {"Zed", true, 0, 100}, {"a.txt", false, 30, 100},
                               {"C.txt", false, 10, 200}, {"alpha", true, 0, 500}};
    auto names = [&] {
        std::vector<std::string> n;
        for (auto& x : e) n.push_back(x.name);
        return n;
    };
    sort_index(e, {key::name, false});
    CHECK(names() == std::vector<std::string>{"alpha", "Zed", "a.txt", "b.txt", "C.txt"});
    sort_index(e, {key::name, true});
    CHECK(names() == std::vector<std::string>{"Zed", "alpha", "C.txt", "b.txt", "a.txt"});
    sort_index(e, {key::size, false});
    CHECK(names() == std::vector<std::string>{"alpha", "Zed", "C.txt", "a.txt", "b.txt"});
    sort_index(e, {key::date, true});
    CHECK(names() == std::vector<std::string>{"alpha", "Zed", "b.txt", "C.txt", "a.txt"});
}

TEST_CASE("Sizes are human-readable in binary units", "[dav][index]") {
    CHECK(human_size(0) == "0 B");
    CHECK(human_size(1023) == "1023 B");
    CHECK(human_size(1024) == "1.0 KiB");
    CHECK(human_size(1536) == "1.5 KiB");
    CHECK(human_size(1024 * 1024 - 1) == "1.0 MiB");
    CHECK(human_size(5ull << 30) == "5.0 GiB");
    CHECK(human_size(~0ull) == "16.0 EiB");
}

TEST_CASE("Dates are UTC, to the minute", "[dav][index]") {
    CHECK(index_date(0) == "1970-01-01 00:00");
    CHECK(index_date(981173106) == "2001-02-03 04:05");
}

TEST_CASE("A row escapes the name and takes the href as given", "[dav][index]") {
    std::string row;
    append_index_row(row, {"<b>&\"x\"", false, 2048, 0}, "/d/%3Cb%3E%26%22x%22");
    CHECK(row.find("&lt;b&gt;&amp;&quot;x&quot;</a>") != std::string::npos);
    CHECK(row.find("href=\"/d/%3Cb%3E%26%22x%22\"") != std::string::npos);
    CHECK(row.find("2.0 KiB") != std::string::npos);
    CHECK(row.find("<b>") == std::string::npos);
    std::string dir;
    append_index_row(dir, {"sub", true, 4096, 0}, "/sub/");
    CHECK(dir.find(">sub/</a>") != std::string::npos);
    CHECK(dir.find("4.0 KiB") == std::string::npos); // a collection's size means nothing to a person
}

TEST_CASE("The head has a viewport, the parent link and three sort links", "[dav][index]") {
    auto head = index_head("/a&b/", "/a%26b/", "/", {key::size, true});
    CHECK(head.find("name=\"viewport\"") != std::string::npos);
    CHECK(head.find("<title>Index of /a&amp;b/</title>") != std::string::npos);
    CHECK(head.find("href=\"/\">") != std::string::npos);
    CHECK(head.find("href=\"/a%26b/?sort=name&amp;order=asc\"") == std::string::npos); // '&' in an attribute is escaped
    CHECK(head.find("href=\"/a%26b/?sort=name&order=asc\"") != std::string::npos);
    CHECK(head.find("href=\"/a%26b/?sort=size&order=asc\"") != std::string::npos); // the current column reverses
    CHECK(head.find("href=\"/a%26b/?sort=date&order=asc\"") != std::string::npos);
    CHECK(head.find("aria-sort=\"descending\"") != std::string::npos);
    CHECK(index_head("/", "/", "", {}).find("Parent directory") == std::string::npos);
    CHECK(head.find("<script") == std::string::npos);
}

TEST_CASE("The tail counts the entries and says when they are not sorted", "[dav][index]") {
    CHECK(index_tail(1, true, 10).find("1 entry<") != std::string::npos);
    CHECK(index_tail(3, true, 10).find("not sorted") == std::string::npos);
    CHECK(index_tail(30, false, 10).find("more than 10") != std::string::npos);
}

TEST_CASE("The CSP allows no script and only the page's own style, by hash", "[dav][index]") {
    const auto& csp = index_content_security_policy();
    CHECK(csp.starts_with("default-src 'none'; style-src 'sha256-"));
    CHECK(csp.find("script") == std::string::npos);
    CHECK(csp.find("unsafe") == std::string::npos);
    CHECK(csp.find("'sha256-") + 8 + 44 == csp.find("'; img-src")); // 32 bytes in base64
}
