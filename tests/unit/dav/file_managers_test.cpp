// What file managers and browsers get, through dav::handle on a temporary tree: the HTML index, the
// davmount document, modification times clients set, and desktop litter kept out.
#include "dav/collection_index.hpp"
#include "dav/litter_memory.hpp"
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
    CHECK(count_of(html, "<tr><td>") == dav::index_sort_limit + 5);
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

namespace {

timespec mtime_of(const fixture& f, const std::string& rel) {
    struct stat st {};
    REQUIRE(::lstat((f.dir.path() / rel).c_str(), &st) == 0);
    return st.st_mtim;
}

std::string win32_proppatch(const std::string& props) {
    return "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propertyupdate xmlns:D=\"DAV:\" "
           "xmlns:Z=\"urn:schemas-microsoft-com:\"><D:set><D:prop>" + props + "</D:prop></D:set></D:propertyupdate>";
}

} // namespace

TEST_CASE("PUT with X-OC-Mtime keeps the client's date and says accepted", "[unit][dav][mtime]") {
    fixture f;
    auto r = f.put_while("/old.txt", {{"X-OC-Mtime", "981173106"}}, "body", [] {});
    CHECK(status(r) == 201);
    CHECK(r.fields["X-OC-MTime"] == "accepted");
    CHECK(mtime_of(f, "old.txt").tv_sec == 981173106);
    r = f.put_while("/old.txt", {{"X-OC-Mtime", "1000000000"}}, "again", [] {});
    CHECK(status(r) == 204);
    CHECK(mtime_of(f, "old.txt").tv_sec == 1000000000);
    r = f.put_while("/plain.txt", {}, "body", [] {});
    CHECK(r.fields.count("X-OC-MTime") == 0);
}

TEST_CASE("PUT with a malformed X-OC-Mtime is refused before its body, and nothing is written", "[unit][dav][mtime]") {
    fixture f;
    auto req = fixture::make(http::verb::put, "/x.txt", {{"X-OC-Mtime", "yesterday"}});
    auto result = dav::handle(req, f.ctx);
    REQUIRE(std::holds_alternative<dav::reply>(result));
    CHECK(status(std::get<dav::reply>(result)) == 400);
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "x.txt"));
}

TEST_CASE("PROPPATCH of Win32LastModifiedTime sets the file's mtime - the other Win32 properties are accepted",
          "[unit][dav][mtime]") {
    fixture f;
    f.dir.write("doc.txt", "x");
    auto r = f.run(http::verb::proppatch, "/doc.txt", {},
                   win32_proppatch("<Z:Win32CreationTime>Fri, 02 Feb 2001 00:00:00 GMT</Z:Win32CreationTime>"
                                   "<Z:Win32LastAccessTime>Sun, 04 Feb 2001 00:00:00 GMT</Z:Win32LastAccessTime>"
                                   "<Z:Win32LastModifiedTime>Sat, 03 Feb 2001 04:05:06 GMT</Z:Win32LastModifiedTime>"
                                   "<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>"));
    REQUIRE(status(r) == 207);
    auto body = fixture::body_of(r);
    CHECK(body.find("HTTP/1.1 200 OK") != std::string::npos);
    CHECK(body.find(" 4") == std::string::npos); // no 4xx anywhere
    CHECK(mtime_of(f, "doc.txt").tv_sec == 981173106);
    struct stat st {};
    REQUIRE(::stat((f.dir.path() / "doc.txt").c_str(), &st) == 0);
    CHECK(st.st_atim.tv_sec == 981244800);
    // The date is then what PROPFIND says, as getlastmodified.
    auto listing = fixture::body_of(f.run(http::verb::propfind, "/doc.txt", {{"Depth", "0"}}));
    CHECK(listing.find("Sat, 03 Feb 2001 04:05:06 GMT") != std::string::npos);
    // A collection's too.
    f.dir.mkdir("dir");
    CHECK(status(f.run(http::verb::proppatch, "/dir/", {},
                       win32_proppatch("<Z:Win32LastModifiedTime>Sat, 03 Feb 2001 04:05:06 GMT</Z:Win32LastModifiedTime>"))) == 207);
    CHECK(mtime_of(f, "dir").tv_sec == 981173106);
}

TEST_CASE("PROPPATCH of a Win32LastModifiedTime that is no date is 409, the rest 424, and nothing changes",
          "[unit][dav][mtime]") {
    fixture f;
    f.dir.write("doc.txt", "x");
    auto before = mtime_of(f, "doc.txt");
    auto r = f.run(http::verb::proppatch, "/doc.txt", {},
                   win32_proppatch("<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>"
                                   "<Z:Win32LastModifiedTime>the day before</Z:Win32LastModifiedTime>"));
    auto body = fixture::body_of(r);
    CHECK(body.find("409") != std::string::npos);
    CHECK(body.find("424") != std::string::npos);
    CHECK(mtime_of(f, "doc.txt").tv_sec == before.tv_sec);
    auto props = fixture::body_of(f.run(http::verb::propfind, "/doc.txt", {{"Depth", "0"}}));
    CHECK(props.find("Win32FileAttributes") == std::string::npos);
}

TEST_CASE("Hidden desktop litter: PUT and MKCOL succeed without storing, it is never listed or served",
          "[unit][dav][litter]") {
    fixture f;
    f.config.hide_os_litter = true;
    f.dir.mkdir("d");
    f.dir.write("d/photo.jpg", "jpeg");
    f.dir.write("d/.DS_Store", "already there");
    f.dir.mkdir("d/.Trashes/501");
    CHECK(status(f.put_while("/d/._photo.jpg", {}, "resource fork", [] {})) == 201);
    CHECK(status(f.put_while("/d/Thumbs.db", {}, "thumbs", [] {})) == 201);
    CHECK(status(f.put_while("/d/.Trashes/501/x", {}, "x", [] {})) == 201);
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "d/._photo.jpg"));
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "d/Thumbs.db"));
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "d/.Trashes/501/x"));
    CHECK(status(f.run(http::verb::mkcol, "/d/.TemporaryItems")) == 201);
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "d/.TemporaryItems"));
    for (auto method : {http::verb::get, http::verb::head, http::verb::propfind, http::verb::proppatch, http::verb::copy})
        CHECK(status(f.run(method, "/d/.DS_Store")) == 404);
    auto locked = f.run(http::verb::lock, "/d/._new.jpg", {},
                        "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>"
                        "<D:locktype><D:write/></D:locktype></D:lockinfo>");
    CHECK(status(locked) == 201);
    CHECK(locked.fields[http::field::lock_token].starts_with("<urn:uuid:"));
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "d/._new.jpg"));
    CHECK(f.lock_table.covering("d/._new.jpg", locks::clock::now()).empty());
    CHECK(status(f.run(http::verb::unlock, "/d/._new.jpg", {{"Lock-Token", std::string(locked.fields[http::field::lock_token])}})) == 204);
    CHECK(status(f.run(http::verb::delete_, "/d/.DS_Store")) == 204);
    CHECK(std::filesystem::exists(f.dir.path() / "d/.DS_Store")); // what was on disk stays, unseen
    CHECK(status(f.run(http::verb::move, "/d/photo.jpg", {{"Destination", "/d/desktop.ini"}})) == 403);
    CHECK(std::filesystem::exists(f.dir.path() / "d/photo.jpg"));

    auto listing = fixture::body_of(f.run(http::verb::propfind, "/d/", {{"Depth", "infinity"}}));
    CHECK(listing.find("photo.jpg") != std::string::npos);
    CHECK(listing.find("DS_Store") == std::string::npos);
    CHECK(listing.find("Trashes") == std::string::npos);
    auto html = fixture::body_of(f.run(http::verb::get, "/d/"));
    CHECK(html.find("photo.jpg") != std::string::npos);
    CHECK(html.find("DS_Store") == std::string::npos);
    CHECK(html.find("1 entry") != std::string::npos);
}

TEST_CASE("Without --hide-os-litter, litter is an ordinary name", "[unit][dav][litter]") {
    fixture f;
    CHECK(status(f.put_while("/.DS_Store", {}, "x", [] {})) == 201);
    CHECK(std::filesystem::exists(f.dir.path() / ".DS_Store"));
    CHECK(fixture::body_of(f.run(http::verb::propfind, "/", {{"Depth", "1"}})).find(".DS_Store") != std::string::npos);
}

TEST_CASE("Litter written lately reads back as an empty file until it is deleted", "[unit][dav][litter]") {
    fixture f;
    f.config.hide_os_litter = true;
    dav::litter_memory memory;
    f.ctx.litter = &memory;
    CHECK(status(f.put_while("/._photo.jpg", {}, "resource fork", [] {})) == 201);
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "._photo.jpg"));
    auto found = f.run(http::verb::propfind, "/._photo.jpg", {{"Depth", "0"}});
    CHECK(status(found) == 207);
    auto body = fixture::body_of(found);
    CHECK(body.find("<D:href>/._photo.jpg</D:href>") != std::string::npos);
    CHECK(body.find("<D:getcontentlength>0</D:getcontentlength>") != std::string::npos);
    auto got = f.run(http::verb::get, "/._photo.jpg");
    CHECK(status(got) == 200);
    CHECK(fixture::body_of(got).empty());
    CHECK(status(f.run(http::verb::mkcol, "/.TemporaryItems")) == 201);
    CHECK(fixture::body_of(f.run(http::verb::propfind, "/.TemporaryItems", {{"Depth", "0"}})).find("<D:collection/>") != std::string::npos);
    // Never listed all the same.
    CHECK(fixture::body_of(f.run(http::verb::propfind, "/", {{"Depth", "1"}})).find("_photo") == std::string::npos);
    CHECK(status(f.run(http::verb::delete_, "/._photo.jpg")) == 204);
    CHECK(status(f.run(http::verb::propfind, "/._photo.jpg", {{"Depth", "0"}})) == 404);
}
