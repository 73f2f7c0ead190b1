// What file managers and browsers get, through dav::handle on a temporary tree: the HTML index, the
// davmount document, modification times clients set, and desktop litter kept out.
#include "dav/collection_index.hpp"
#include "support/dav_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace keepdav;
namespace http = boost::beast::http;
using fixture = test::dav_fixture;

namespace {

unsigned status(const dav::reply& r) { return static_cast<unsigned>(r.status); }

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("GET of a collection streams an HTML index, sorted, with escaped names and encoded hrefs", "[unit][dav][index]") {
    fixture f;
    f.dir.mkdir("d/sub");
    f.dir.write("d/b <x>&.txt", "12345");
    f.dir.write("d/a.txt", "1");
    auto r = f.run(http::verb::get, "/d/?sort=size&order=desc");
    REQUIRE(status(r) == 200);
    CHECK(r.fields[http::field::content_type] == "text/html; charset=utf-8");
    CHECK(r.fields["Content-Security-Policy"].starts_with("default-src 'none'"));
    REQUIRE(std::holds_alternative<dav::streamed_body>(r.body));
    auto html = fixture::body_of(r);
    auto sub = html.find(">sub/</a>"), big = html.find(">b &lt;x&gt;&amp;.txt</a>"), small = html.find(">a.txt</a>");
    REQUIRE(sub != std::string::npos);
    REQUIRE(big != std::string::npos);
    REQUIRE(small != std::string::npos);
    CHECK((sub < big && big < small)); // collections first, then the largest
    CHECK(html.find("href=\"/d/b%20%3Cx%3E&amp;.txt\"") != std::string::npos);
    CHECK(html.find("href=\"/\"") != std::string::npos); // the parent
    CHECK(html.find("3 entries") != std::string::npos);
    CHECK(html.ends_with("</html>\n"));
}

TEST_CASE("HEAD of a collection has the index's headers and no body, without walking it", "[unit][dav][index]") {
    fixture f;
    f.dir.mkdir("d");
    auto r = f.run(http::verb::head, "/d/");
    CHECK(status(r) == 200);
    CHECK(r.fields[http::field::content_type] == "text/html; charset=utf-8");
    CHECK(std::holds_alternative<std::monostate>(r.body));
}

TEST_CASE("A collection larger than the sort limit is listed whole, in reading order, and says so", "[unit][dav][index]") {
    fixture f;
    f.dir.mkdir("big");
    for (std::size_t i = 0; i < dav::index_sort_limit + 5; ++i) f.dir.write("big/f" + std::to_string(i), "");
    auto html = fixture::body_of(f.run(http::verb::get, "/big/"));
    CHECK(count_of(html, "<tr><td class=\"name\">") == dav::index_sort_limit + 5);
    CHECK(html.find("not sorted") != std::string::npos);
}

TEST_CASE("?davmount answers RFC 4709's document: the collection, or a file's collection and dm:open", "[unit][dav][davmount]") {
    fixture f;
    f.dir.mkdir("a b");
    f.dir.write("a b/c&d.txt", "x");
    auto r = f.run(http::verb::get, "/a%20b/?davmount");
    REQUIRE(status(r) == 200);
    CHECK(r.fields[http::field::content_type] == "application/davmount+xml");
    auto doc = fixture::body_of(r);
    CHECK(doc.find("<dm:url>http://h/a%20b/</dm:url>") != std::string::npos);
    CHECK(doc.find("<dm:open>") == std::string::npos);
    doc = fixture::body_of(f.run(http::verb::get, "/a%20b/c%26d.txt?davmount"));
    CHECK(doc.find("<dm:url>http://h/a%20b/</dm:url>") != std::string::npos);
    CHECK(doc.find("<dm:open>c&amp;d.txt</dm:open>") != std::string::npos);
    f.ctx.tls = true;
    CHECK(fixture::body_of(f.run(http::verb::get, "/?davmount")).find("<dm:url>https://h/</dm:url>") != std::string::npos);
}

TEST_CASE("query_of is what follows the first '?'", "[unit][dav][index]") {
    CHECK(dav::query_of("/a/?sort=size") == "sort=size");
    CHECK(dav::query_of("/a/") == "");
    CHECK(dav::query_of("/a/?") == "");
}
