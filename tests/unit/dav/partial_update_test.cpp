// Partial updates without a socket: PUT with Content-Range and PATCH with X-Update-Range on a real
// temporary tree, the statuses of each refusal, and the file left as it was by every refusal.
#include "dav/handler.hpp"
#include "support/dav_fixture.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/field.hpp>

#include <sys/stat.h>

using namespace keepdav;
namespace http = boost::beast::http;

namespace {

using fixture = test::dav_fixture;

unsigned status(const dav::reply& r) { return static_cast<unsigned>(r.status); }

constexpr auto patch_type = "application/x-sabredav-partialupdate";

dav::reply patch(fixture& f, const std::string& target, const std::string& range, const std::string& body) {
    return f.run(http::verb::patch, target,
                 {{"X-Update-Range", range}, {"Content-Type", patch_type}, {"Content-Length", std::to_string(body.size())}},
                 body);
}

} // namespace

TEST_CASE("PATCH follows sabre/dav's table of X-Update-Range results", "[unit][dav][partial]") {
    // https://sabre.io/dav/http-patch/, "More examples": 1234567890 patched with four dashes.
    auto [range, want] = GENERATE(table<std::string, std::string>({
        {"bytes=0-3", "----567890"},
        {"bytes=1-4", "1----67890"},
        {"bytes=0-", "----567890"},
        {"bytes=-4", "123456----"},
        {"bytes=-2", "12345678----"},
        {"bytes=2-", "12----7890"},
        {"bytes=10-", "1234567890----"},
        {"append", "1234567890----"},
    }));
    INFO(range);
    fixture f;
    f.dir.write("f.txt", "1234567890");
    auto r = patch(f, "/f.txt", range, "----");
    CHECK(status(r) == 204);
    CHECK(f.dir.read("f.txt") == want);
    // RFC 5789 §2: the ETag of the patched resource
    CHECK(r.fields[http::field::etag] == f.run(http::verb::head, "/f.txt").fields[http::field::etag]);
    CHECK_FALSE(r.fields[http::field::last_modified].empty());
}

TEST_CASE("PATCH refusals and their statuses, sabre/dav's", "[unit][dav][partial]") {
    fixture f;
    f.dir.write("f.txt", "1234567890");
    // a start past the end would leave a gap (sabre fills it with zeros; keepdav refuses it)
    auto past = patch(f, "/f.txt", "bytes=12-", "----");
    CHECK(status(past) == 416);
    CHECK(past.fields[http::field::content_range] == "bytes */10");
    CHECK(status(patch(f, "/f.txt", "bytes=-11", "----")) == 416);
    CHECK(status(patch(f, "/f.txt", "bytes=0-2", "----")) == 416); // the body is longer than the range
    CHECK(status(patch(f, "/f.txt", "bytes=3-0", "----")) == 416);
    CHECK(status(patch(f, "/f.txt", "bytes 0-3", "----")) == 400);
    CHECK(status(patch(f, "/missing.txt", "bytes=0-3", "----")) == 404);
    CHECK(status(patch(f, "/missing/f.txt", "bytes=0-3", "----")) == 404);
    auto wrong_type = f.run(http::verb::patch, "/f.txt", {{"X-Update-Range", "append"}, {"Content-Type", "text/plain"}, {"Content-Length", "1"}}, "x");
    CHECK(status(wrong_type) == 415);
    CHECK(wrong_type.fields["Accept-Patch"] == patch_type);
    CHECK(status(f.run(http::verb::patch, "/f.txt", {{"X-Update-Range", "append"}, {"Content-Type", patch_type}}, "x")) == 411);
    f.dir.mkdir("c");
    CHECK(status(patch(f, "/c", "append", "x")) == 405);
    CHECK(f.dir.read("f.txt") == "1234567890");
}

TEST_CASE("PUT with Content-Range updates the start, middle and end of a file, or appends", "[unit][dav][partial]") {
    auto [range, body, want] = GENERATE(table<std::string, std::string, std::string>({
        {"bytes 0-1/*", "ab", "ab34567890"},
        {"bytes 4-5/10", "ab", "1234ab7890"},
        {"bytes 8-9/10", "ab", "12345678ab"},
        {"bytes 9-11/12", "abc", "123456789abc"},
        {"bytes 10-11/*", "ab", "1234567890ab"},
    }));
    INFO(range);
    fixture f;
    f.dir.write("f.txt", "1234567890");
    auto r = f.run(http::verb::put, "/f.txt", {{"Content-Range", range}}, body);
    CHECK(status(r) == 204);
    CHECK(f.dir.read("f.txt") == want);
    CHECK(r.fields[http::field::etag].empty()); // RFC 9110 §9.3.4: the stored content is not the body
}

TEST_CASE("PUT with Content-Range: refusals, creation from byte 0, and the file kept by each refusal", "[unit][dav][partial]") {
    fixture f;
    f.dir.write("f.txt", "1234567890");
    auto past = f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 11-12/*"}}, "ab");
    CHECK(status(past) == 416);
    CHECK(past.fields[http::field::content_range] == "bytes */10");
    CHECK(status(f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 0-1/1"}}, "ab")) == 400);
    CHECK(status(f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 0-3/*"}, {"Content-Length", "2"}}, "ab")) == 400);
    // a body that ends short of its range (chunked: only the commit can tell)
    CHECK(status(f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 0-3/*"}}, "ab")) == 400);
    CHECK(status(f.run(http::verb::put, "/n.txt", {{"Content-Range", "bytes 1-2/*"}}, "ab")) == 416);
    CHECK(f.dir.read("f.txt") == "1234567890");
    CHECK_FALSE(f.dir.exists("n.txt"));
    CHECK(status(f.run(http::verb::put, "/n.txt", {{"Content-Range", "bytes 0-1/*"}}, "ab")) == 201);
    CHECK(f.dir.read("n.txt") == "ab");
}

TEST_CASE("partial updates obey locks, conditionals, read-only and the size limit as PUT does", "[unit][dav][partial]") {
    fixture f;
    f.dir.write("f.txt", "1234567890");
    auto etag = std::string(f.run(http::verb::head, "/f.txt").fields[http::field::etag]);
    CHECK(status(f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 0-0/*"}, {"If-Match", "\"other\""}}, "x")) == 412);
    CHECK(status(f.run(http::verb::patch, "/f.txt",
                       {{"X-Update-Range", "append"}, {"Content-Type", patch_type}, {"Content-Length", "1"}, {"If-Match", "\"other\""}}, "x")) == 412);
    CHECK(status(f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 0-0/*"}, {"If-Match", etag}}, "x")) == 204);
    CHECK(f.dir.read("f.txt") == "x234567890");

    f.config.max_put_bytes = 11;
    CHECK(status(patch(f, "/f.txt", "append", "ab")) == 413);
    CHECK(status(patch(f, "/f.txt", "append", "a")) == 204);
    f.config.max_put_bytes = 0;

    auto locked = f.run(http::verb::lock, "/f.txt", {},
                        "<?xml version='1.0'?><D:lockinfo xmlns:D='DAV:'><D:lockscope><D:exclusive/></D:lockscope>"
                        "<D:locktype><D:write/></D:locktype></D:lockinfo>");
    REQUIRE(status(locked) == 200);
    std::string token(locked.fields[http::field::lock_token]);
    CHECK(status(patch(f, "/f.txt", "append", "!")) == 423);
    CHECK(status(f.run(http::verb::put, "/f.txt", {{"Content-Range", "bytes 0-0/*"}}, "!")) == 423);
    CHECK(status(f.run(http::verb::patch, "/f.txt",
                       {{"X-Update-Range", "append"}, {"Content-Type", patch_type}, {"Content-Length", "1"}, {"If", "(" + token + ")"}}, "!")) == 204);
    CHECK(f.dir.read("f.txt") == "x234567890a!");

    f.config.read_only = true;
    CHECK(status(patch(f, "/f.txt", "append", "r")) == 403);
    CHECK(f.dir.read("f.txt") == "x234567890a!");
}

TEST_CASE("a partial update applies to the file as it is at commit, not when the body began", "[unit][dav][partial]") {
    fixture f;
    f.dir.write("f.txt", "1234567890");
    auto r = f.put_while("/f.txt", {{"Content-Range", "bytes 0-1/*"}}, "ab", [&] { f.dir.write("f.txt", "abcdefghijklmnop"); });
    CHECK(status(r) == 204);
    CHECK(f.dir.read("f.txt") == "abcdefghijklmnop");
    r = f.put_while("/f.txt", {{"Content-Range", "bytes 4-5/*"}}, "XY", [&] { f.dir.write("f.txt", "123"); });
    CHECK(status(r) == 416); // it shrank below the range's start meanwhile
    CHECK(f.dir.read("f.txt") == "123");
}

TEST_CASE("a partial update keeps the file's permissions", "[unit][dav][partial]") {
    fixture f;
    f.dir.write("f.txt", "1234567890");
    ::chmod((f.dir.path() / "f.txt").c_str(), 0600);
    CHECK(status(patch(f, "/f.txt", "bytes=0-0", "x")) == 204);
    struct stat st {};
    REQUIRE(::stat((f.dir.path() / "f.txt").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("OPTIONS advertises PATCH as sabre/dav does", "[unit][dav][partial]") {
    fixture f;
    auto r = f.run(http::verb::options, "/");
    CHECK(std::string(r.fields[http::field::allow]).find("PATCH") != std::string::npos);
    CHECK(std::string(r.fields[http::field::dav]).find("sabredav-partialupdate") != std::string::npos);
    CHECK(r.fields["Accept-Patch"] == patch_type);
}
