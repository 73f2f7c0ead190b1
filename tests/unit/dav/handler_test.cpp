// The protocol without a socket: dav::handle on a real temporary tree; status and disk state.
#include "dav/handler.hpp"
#include "locks/lock_store.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/field.hpp>
#include <pugixml.hpp>

using namespace keepdav;
namespace http = boost::beast::http;

namespace {

/** A tree, a server configuration and a lock table, as the server would hand them to dav::handle. */
struct fixture {
    test::temp_tree dir;
    server_config config = [this] {
        server_config c;
        c.root = dir.path();
        return c;
    }();
    fs::tree tree = fs::tree::open_root(dir.path()).value();
    locks::lock_store lock_table;
    dav::context ctx{tree, config, false, &lock_table};

    /** Runs a request to its reply, running the operation it may turn into. */
    dav::reply run(http::verb method, const std::string& target, std::initializer_list<std::pair<std::string, std::string>> headers = {},
                   std::string body = {}) {
        dav::request req{method, target, 11};
        req.set(http::field::host, "h");
        for (const auto& [name, value] : headers) req.set(name, value);
        req.body() = std::move(body);
        auto result = dav::handle(req, ctx);
        if (auto* r = std::get_if<dav::reply>(&result)) return std::move(*r);
        auto& op = std::get<dav::operation>(result);
        std::stop_source stop;
        dav::operation_context oc{stop.get_token(), *op.progress};
        return op.run(oc);
    }

    static std::string body_of(const dav::reply& r) {
        if (auto* text = std::get_if<std::string>(&r.body)) return *text;
        if (auto* range = std::get_if<dav::file_range>(&r.body)) {
            std::string out(range->length, '\0');
            REQUIRE(::pread(range->file->get(), out.data(), out.size(), static_cast<off_t>(range->offset)) ==
                    static_cast<ssize_t>(out.size()));
            return out;
        }
        return {};
    }
};

unsigned status(const dav::reply& r) { return static_cast<unsigned>(r.status); }

const std::string exclusive_lock = "<?xml version='1.0'?><D:lockinfo xmlns:D='DAV:'><D:lockscope><D:exclusive/>"
                                   "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>me</D:owner></D:lockinfo>";

} // namespace

TEST_CASE("MKCOL: 201, then 405 on an existing name, 409 without a parent, 415 with a body", "[unit][dav]") {
    fixture f;
    CHECK(status(f.run(http::verb::mkcol, "/c")) == 201);
    CHECK(std::filesystem::is_directory(f.dir / "c"));
    CHECK(status(f.run(http::verb::mkcol, "/c")) == 405);
    CHECK(status(f.run(http::verb::mkcol, "/no/parent")) == 409);
    CHECK(status(f.run(http::verb::mkcol, "/d", {{"Content-Length", "3"}}, "abc")) == 415);
    CHECK_FALSE(f.dir.exists("d"));
}

TEST_CASE("PUT creates then replaces; GET returns the bytes", "[unit][dav]") {
    fixture f;
    CHECK(status(f.run(http::verb::put, "/f.txt", {}, "one")) == 201);
    CHECK(status(f.run(http::verb::put, "/f.txt", {}, "two!")) == 204);
    CHECK(f.dir.read("f.txt") == "two!");
    auto got = f.run(http::verb::get, "/f.txt");
    CHECK(status(got) == 200);
    CHECK(fixture::body_of(got) == "two!");
    CHECK(status(f.run(http::verb::put, "/missing/f.txt", {}, "x")) == 409);
    f.dir.mkdir("coll");
    CHECK(status(f.run(http::verb::put, "/coll", {}, "x")) == 405);
}

TEST_CASE("DELETE of a file, a tree, and nothing", "[unit][dav]") {
    fixture f;
    f.dir.write("t/a/b/c.txt", "c");
    f.dir.write("t/d.txt", "d");
    f.dir.write("f.txt", "f");
    CHECK(status(f.run(http::verb::delete_, "/f.txt")) == 204);
    CHECK(status(f.run(http::verb::delete_, "/t/")) == 204);
    CHECK_FALSE(f.dir.exists("t"));
    CHECK(status(f.run(http::verb::delete_, "/t/")) == 404);
    CHECK(status(f.run(http::verb::delete_, "/")) == 403);
}

TEST_CASE("COPY: 201, 204 on overwrite, 412 with Overwrite: F, 409, 403, 502, 400", "[unit][dav]") {
    fixture f;
    f.dir.write("src/a.txt", "a");
    f.dir.write("src/sub/b.txt", "b");
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/dst/"}})) == 201);
    CHECK(f.dir.read("dst/sub/b.txt") == "b");
    CHECK(std::filesystem::file_size(f.dir / "dst/a.txt") == 1);
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/dst/"}, {"Overwrite", "F"}})) == 412);
    f.dir.write("dst/extra.txt", "stale");
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/dst/"}})) == 204);
    CHECK_FALSE(f.dir.exists("dst/extra.txt")); // the destination was replaced, not merged
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/no/parent"}})) == 409);
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/src/"}})) == 403);
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/src/inside/"}})) == 403);
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "http://elsewhere/x"}})) == 502);
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/x"}, {"Depth", "1"}})) == 400);
    CHECK(status(f.run(http::verb::copy, "/src/")) == 400);
    CHECK(status(f.run(http::verb::copy, "/nothing", {{"Destination", "/x"}})) == 404);
}

TEST_CASE("COPY Depth 0 of a collection makes an empty collection", "[unit][dav]") {
    fixture f;
    f.dir.write("src/a.txt", "a");
    CHECK(status(f.run(http::verb::copy, "/src/", {{"Destination", "/shallow/"}, {"Depth", "0"}})) == 201);
    CHECK(std::filesystem::is_directory(f.dir / "shallow"));
    CHECK(std::filesystem::is_empty(f.dir / "shallow"));
}

TEST_CASE("MOVE renames, keeping dead properties", "[unit][dav]") {
    fixture f;
    f.dir.write("m.txt", "m");
    auto set = f.run(http::verb::proppatch, "/m.txt", {},
                     "<D:propertyupdate xmlns:D='DAV:'><D:set><D:prop><Z:colour xmlns:Z='urn:z'>blue</Z:colour>"
                     "</D:prop></D:set></D:propertyupdate>");
    CHECK(status(set) == 207);
    CHECK(status(f.run(http::verb::move, "/m.txt", {{"Destination", "/n.txt"}})) == 201);
    CHECK_FALSE(f.dir.exists("m.txt"));
    auto found = f.run(http::verb::propfind, "/n.txt", {{"Depth", "0"}},
                       "<D:propfind xmlns:D='DAV:'><D:prop><Z:colour xmlns:Z='urn:z'/></D:prop></D:propfind>");
    CHECK(fixture::body_of(found).find(">blue</Z:colour>") != std::string::npos);
}

TEST_CASE("PROPFIND Depth 1 lists members with live properties and 404 for unknown ones", "[unit][dav]") {
    fixture f;
    f.dir.write("d/x.bin", std::string(1234, 'x'));
    f.dir.mkdir("d/sub");
    auto r = f.run(http::verb::propfind, "/d/", {{"Depth", "1"}},
                   "<D:propfind xmlns:D='DAV:'><D:prop><D:getcontentlength/><D:resourcetype/><Q:nope xmlns:Q='urn:q'/>"
                   "</D:prop></D:propfind>");
    REQUIRE(status(r) == 207);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(fixture::body_of(r).c_str()));
    std::map<std::string, pugi::xml_node> by_href;
    for (auto response : doc.document_element().children("D:response"))
        by_href[response.child("D:href").text().get()] = response;
    REQUIRE(by_href.size() == 3);
    REQUIRE(by_href.count("/d/x.bin"));
    auto file = by_href["/d/x.bin"];
    CHECK(std::string(file.select_node(".//D:getcontentlength").node().text().get()) == "1234");
    CHECK(by_href["/d/sub/"].select_node(".//D:resourcetype/D:collection"));
    auto missing = file.select_node(".//D:propstat[D:status='HTTP/1.1 404 Not Found']").node();
    CHECK(missing.select_node(".//nope"));
}

TEST_CASE("PROPPATCH of a protected property fails whole: 403 for it, 424 for the rest", "[unit][dav]") {
    fixture f;
    f.dir.write("p.txt", "p");
    auto r = f.run(http::verb::proppatch, "/p.txt", {},
                   "<D:propertyupdate xmlns:D='DAV:'><D:set><D:prop><Z:ok xmlns:Z='urn:z'>1</Z:ok>"
                   "<D:getetag>forged</D:getetag></D:prop></D:set></D:propertyupdate>");
    auto body = fixture::body_of(r);
    CHECK(body.find("HTTP/1.1 403 Forbidden") != std::string::npos);
    CHECK(body.find("HTTP/1.1 424 Failed Dependency") != std::string::npos);
    auto found = f.run(http::verb::propfind, "/p.txt", {{"Depth", "0"}},
                       "<D:propfind xmlns:D='DAV:'><D:prop><Z:ok xmlns:Z='urn:z'/></D:prop></D:propfind>");
    CHECK(fixture::body_of(found).find("404 Not Found") != std::string::npos); // nothing was set
}

TEST_CASE("a lock keeps other writers out until its token is submitted", "[unit][dav][locks]") {
    fixture f;
    f.dir.write("l.txt", "original");
    auto locked = f.run(http::verb::lock, "/l.txt", {}, exclusive_lock);
    REQUIRE(status(locked) == 200);
    std::string token(locked.fields[http::field::lock_token]);
    REQUIRE(token.starts_with("<urn:uuid:"));
    CHECK(status(f.run(http::verb::put, "/l.txt", {}, "intruder")) == 423);
    CHECK(status(f.run(http::verb::delete_, "/l.txt")) == 423);
    CHECK(status(f.run(http::verb::move, "/l.txt", {{"Destination", "/m.txt"}})) == 423);
    CHECK(f.dir.read("l.txt") == "original");
    CHECK(status(f.run(http::verb::put, "/l.txt", {{"If", "(" + token + ")"}}, "owner")) == 204);
    CHECK(f.dir.read("l.txt") == "owner");
    CHECK(status(f.run(http::verb::unlock, "/l.txt", {{"Lock-Token", token}})) == 204);
    CHECK(status(f.run(http::verb::put, "/l.txt", {}, "anyone")) == 204);
}

TEST_CASE("LOCK on an unmapped URL creates an empty resource; a depth-infinity lock covers new members",
          "[unit][dav][locks]") {
    fixture f;
    f.dir.mkdir("c");
    auto created = f.run(http::verb::lock, "/new.txt", {}, exclusive_lock);
    CHECK(status(created) == 201);
    CHECK(f.dir.exists("new.txt"));
    CHECK(std::filesystem::file_size(f.dir / "new.txt") == 0);
    auto tree_lock = f.run(http::verb::lock, "/c/", {{"Depth", "infinity"}}, exclusive_lock);
    REQUIRE(status(tree_lock) == 200);
    CHECK(status(f.run(http::verb::put, "/c/member.txt", {}, "x")) == 423);
    CHECK(status(f.run(http::verb::mkcol, "/c/sub")) == 423);
    CHECK(status(f.run(http::verb::lock, "/c/", {}, exclusive_lock)) == 423); // conflicting lock
}

TEST_CASE("OPTIONS announces class 2 and the methods", "[unit][dav]") {
    fixture f;
    auto r = f.run(http::verb::options, "/");
    CHECK(r.fields[http::field::dav] == "1, 2");
    CHECK(std::string(r.fields[http::field::allow]).find("PROPPATCH") != std::string::npos);
    CHECK(r.fields["MS-Author-Via"] == "DAV");
}

TEST_CASE("paths outside the root are refused", "[unit][dav]") {
    fixture f;
    std::filesystem::create_directory_symlink("/etc", f.dir / "escape");
    CHECK(status(f.run(http::verb::get, "/escape/passwd")) == 403);
    CHECK(status(f.run(http::verb::get, "/a/../../etc/passwd")) == 400);
    CHECK(status(f.run(http::verb::get, "/%2e%2e/etc/passwd")) == 400);
}
