// The protocol without a socket: dav::handle on a real temporary tree; status and disk state.
#include "dav/handler.hpp"
#include "dav/status.hpp"
#include "fs/walk.hpp"
#include "locks/lock_store.hpp"
#include "support/dav_fixture.hpp"
#include "support/drained_body.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/field.hpp>
#include <pugixml.hpp>

#include <cerrno>
#include <functional>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include <sys/xattr.h>

using namespace keepdav;
namespace http = boost::beast::http;

namespace {

using fixture = test::dav_fixture;

unsigned status(const dav::reply& r) { return static_cast<unsigned>(r.status); }

/** "d/d/d/..." `levels` deep. */
std::string chain(int levels) {
    std::string rel;
    for (int i = 0; i < levels; ++i) rel += i ? "/d" : "d";
    return rel;
}

/**
 * Whether `text` is made of XML 1.0 Chars only (§2.2), checked independently of the code under test:
 * pugixml accepts control characters and any bytes, so it cannot tell on its own.
 */
bool only_xml_chars(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto b = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
        unsigned lead = b(i);
        std::size_t length = lead < 0x80 ? 1 : lead >= 0xF8 ? 0 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
        if (length == 0 || i + length > text.size()) return false;
        std::uint32_t cp = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) {
            if ((b(i + k) & 0xC0) != 0x80) return false;
            cp = cp << 6 | (b(i + k) & 0x3F);
        }
        static constexpr std::uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < shortest[length]) return false; // overlong
        bool is_char = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
        if (!is_char) return false;
        i += length;
    }
    // Character references must name Chars too; keepdav writes none but the five entities.
    return text.find("&#") == std::string_view::npos;
}

std::string percent_decoded(std::string_view href) {
    std::string out;
    for (std::size_t i = 0; i < href.size(); ++i) {
        if (href[i] == '%' && i + 2 < href.size() && std::isxdigit(static_cast<unsigned char>(href[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(href[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(std::string(href.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(href[i]);
        }
    }
    return out;
}

/** The DAV:response elements of a 207 by the percent-decoded path of their href. */
std::map<std::string, pugi::xml_node> responses_by_path(const pugi::xml_document& doc) {
    std::map<std::string, pugi::xml_node> out;
    for (auto response : doc.document_element().children("D:response"))
        out[percent_decoded(response.child("D:href").text().get())] = response;
    return out;
}

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

TEST_CASE("PUT creates then replaces, and GET returns the bytes", "[unit][dav]") {
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

TEST_CASE("a PUT's header answers an upload, and nothing is visible until finish_put commits it", "[unit][dav]") {
    fixture f;
    auto req = fixture::make(http::verb::put, "/u.txt", {});
    {
        auto started = dav::handle(req, f.ctx);
        REQUIRE(std::holds_alternative<dav::upload>(started));
        CHECK_FALSE(f.dir.exists("u.txt"));
    } // an upload dropped (the client went away) leaves nothing behind
    CHECK(std::filesystem::is_empty(f.dir.path()));
    CHECK(status(f.put_while("/u.txt", {}, "body", [&] { CHECK_FALSE(f.dir.exists("u.txt")); })) == 201);
    CHECK(f.dir.read("u.txt") == "body");
}

TEST_CASE("the server's temporary names do not exist for any method, PUT included: 404", "[unit][dav]") {
    fixture f;
    for (auto method : {http::verb::put, http::verb::get, http::verb::delete_, http::verb::mkcol, http::verb::propfind,
                        http::verb::proppatch, http::verb::lock})
        CHECK(status(f.run(method, "/.keepdav-tmp-x", {}, method == http::verb::put ? "x" : "")) == 404);
    CHECK(std::filesystem::is_empty(f.dir.path()));
}

TEST_CASE("a read-only server refuses every change with 403, PUT included, and serves reads", "[unit][dav]") {
    fixture f;
    f.dir.write("r.txt", "r");
    f.config.read_only = true;
    CHECK(status(f.run(http::verb::put, "/r.txt", {}, "w")) == 403);
    CHECK(status(f.run(http::verb::put, "/new.txt", {}, "w")) == 403);
    CHECK(status(f.run(http::verb::mkcol, "/c")) == 403);
    CHECK(status(f.run(http::verb::delete_, "/r.txt")) == 403);
    CHECK(status(f.run(http::verb::get, "/r.txt")) == 200);
    CHECK(f.dir.read("r.txt") == "r");
    CHECK_FALSE(f.dir.exists("new.txt"));
}

TEST_CASE("a body that cannot be written answers by the one errno mapping and closes the connection",
          "[unit][dav]") {
    auto answer = [](int error) { return dav::upload_failure_reply(fs::make_error(error), "PUT /f"); };
    CHECK(answer(ENOSPC).status == http::status::insufficient_storage);
    CHECK(answer(EDQUOT).status == http::status::insufficient_storage);
    CHECK(answer(EFBIG).status == http::status::payload_too_large);
    CHECK(answer(EIO).status == http::status::internal_server_error);
    // Stopped (the client left, the server stops): not a disk fault.
    CHECK(answer(ECANCELED).status == http::status::service_unavailable);
    CHECK_FALSE(dav::status_for(fs::make_error(ECANCELED), dav::path_role::target).server_fault);
    CHECK(answer(ENOSPC).close_connection); // the rest of the body is unread
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
    REQUIRE(status(r) == 207);
    auto body = fixture::body_of(r);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(body.c_str()));
    // RFC 4918 §9.2 and §16: the protected property's propstat names the precondition it broke.
    auto refused = doc.select_node("//D:propstat[D:status='HTTP/1.1 403 Forbidden']").node();
    REQUIRE(refused);
    CHECK(refused.select_node("D:prop/D:getetag"));
    CHECK(refused.select_node("D:error/D:cannot-modify-protected-property"));
    CHECK(std::string_view(refused.last_child().name()) == "D:error"); // §14.22: prop, status, error?
    auto dependent = doc.select_node("//D:propstat[D:status='HTTP/1.1 424 Failed Dependency']").node();
    REQUIRE(dependent);
    CHECK(dependent.select_node("D:prop/ok"));
    CHECK_FALSE(dependent.child("D:error"));
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

TEST_CASE("LOCK on an unmapped URL creates an empty resource, and a depth-infinity lock covers new members",
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
    CHECK(r.fields[http::field::dav] == "1, 2, sabredav-partialupdate");
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

TEST_CASE("PROPFIND stays well-formed XML whatever bytes the names hold", "[unit][dav]") {
    fixture f;
    const std::vector<std::string> names{"a\x01" "b", "bad\xff", "ok-\xc3\xa9", "tab\there", "x\xef\xbf\xbe"};
    for (const auto& name : names) f.dir.write("d/" + name, "x");
    auto depth = GENERATE(as<std::string>{}, "1", "infinity");
    INFO("Depth: " << depth);
    auto r = f.run(http::verb::propfind, "/d/", {{"Depth", depth}});
    REQUIRE(status(r) == 207);
    auto body = fixture::body_of(r);
    CHECK(only_xml_chars(body));
    pugi::xml_document doc;
    REQUIRE(doc.load_string(body.c_str()));
    auto by_path = responses_by_path(doc);
    CHECK(by_path.size() == names.size() + 1);
    for (const auto& name : names) {
        INFO(name);
        REQUIRE(by_path.count("/d/" + name));
        std::string href = by_path["/d/" + name].child("D:href").text().get();
        // RFC 3986 §2.1: every byte outside the unreserved and allowed sets is percent-encoded.
        for (char c : href) CHECK((static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f));
    }
    // Characters XML cannot hold come back as U+FFFD in text; the rest as they are.
    auto displayname = [&](const std::string& name) {
        return std::string(by_path["/d/" + name].select_node(".//D:displayname").node().text().get());
    };
    CHECK(displayname("a\x01" "b") == "a\xef\xbf\xbd" "b");
    CHECK(displayname("bad\xff") == "bad\xef\xbf\xbd");
    CHECK(displayname("ok-\xc3\xa9") == "ok-\xc3\xa9");
    CHECK(displayname("tab\there") == "tab\there");
    CHECK(displayname("x\xef\xbf\xbe") == "x\xef\xbf\xbd");
}

TEST_CASE("dead properties another tool stored with bytes XML cannot hold still make a well-formed 207",
          "[unit][dav]") {
    fixture f;
    f.dir.write("x.txt", "x");
    // Raw bytes from another tool, and "&#01;" as pugixml would have written a control character.
    std::string value = "<v xmlns=\"urn:z\">a\x01" "b\xc0\xaf" "c\xef\xbf\xbf&#01;</v>";
    if (::setxattr((f.dir / "x.txt").c_str(), "user.dav.{urn:z}v", value.data(), value.size(), 0) != 0) {
        WARN("no user extended attributes here: " << std::strerror(errno));
        return;
    }
    auto r = f.run(http::verb::propfind, "/x.txt", {{"Depth", "0"}});
    REQUIRE(status(r) == 207);
    auto body = fixture::body_of(r);
    CHECK(only_xml_chars(body));
    pugi::xml_document doc;
    REQUIRE(doc.load_string(body.c_str()));
    // The two bytes of the overlong "/" are one maximal subpart each (Unicode §3.9): two U+FFFD.
    CHECK(std::string(doc.select_node("//v").node().text().get()) ==
          "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("PROPPATCH refuses a value with a control character, raw or as a reference", "[unit][dav]") {
    fixture f;
    f.dir.write("p.txt", "p");
    auto value = GENERATE(as<std::string>{}, "a&#1;b", "a\x02" "b", "&#x1F;");
    INFO(value);
    auto r = f.run(http::verb::proppatch, "/p.txt", {},
                   "<D:propertyupdate xmlns:D='DAV:'><D:set><D:prop><Z:v xmlns:Z='urn:z'>" + value +
                       "</Z:v></D:prop></D:set></D:propertyupdate>");
    CHECK(status(r) == 400);
}

TEST_CASE("UNLOCK takes a Lock-Token without its angle brackets", "[unit][dav][locks]") {
    fixture f;
    f.dir.write("l.txt", "l");
    auto locked = f.run(http::verb::lock, "/l.txt", {}, exclusive_lock);
    REQUIRE(status(locked) == 200);
    std::string coded(locked.fields[http::field::lock_token]);
    std::string bare = coded.substr(1, coded.size() - 2);
    REQUIRE(bare.starts_with("urn:uuid:"));
    // The npm webdav client's UNLOCK: RFC 4918 §10.5 wants "<...>", but the token is plain to read.
    CHECK(status(f.run(http::verb::unlock, "/l.txt", {{"Lock-Token", bare}})) == 204);
    CHECK(status(f.run(http::verb::put, "/l.txt", {}, "free")) == 204);
    // A token that names no lock is a conflict, bracketed or not; what is no URI at all stays a 400.
    CHECK(status(f.run(http::verb::unlock, "/l.txt", {{"Lock-Token", bare}})) == 409);
    CHECK(status(f.run(http::verb::unlock, "/l.txt", {{"Lock-Token", coded}})) == 409);
    CHECK(status(f.run(http::verb::unlock, "/l.txt", {{"Lock-Token", "urn:uuid:0000"}})) == 409);
    CHECK(status(f.run(http::verb::unlock, "/l.txt", {{"Lock-Token", "no token"}})) == 400);
    CHECK(status(f.run(http::verb::unlock, "/l.txt")) == 400);
}

TEST_CASE("a lock refresh takes If: with a bare token, and nothing else does", "[unit][dav][locks]") {
    fixture f;
    f.dir.write("l.txt", "l");
    auto locked = f.run(http::verb::lock, "/l.txt", {{"Timeout", "Second-60"}}, exclusive_lock);
    REQUIRE(status(locked) == 200);
    std::string coded(locked.fields[http::field::lock_token]);
    std::string bare = coded.substr(1, coded.size() - 2);
    auto refreshed = f.run(http::verb::lock, "/l.txt", {{"If", bare}, {"Timeout", "Second-600"}});
    CHECK(status(refreshed) == 200);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(fixture::body_of(refreshed).c_str()));
    std::string timeout = doc.select_node("//D:timeout").node().text().get();
    REQUIRE(timeout.starts_with("Second-"));
    CHECK(std::stoi(timeout.substr(7)) > 60); // the new Timeout, less the time the reply took
    CHECK(status(f.run(http::verb::lock, "/l.txt", {{"If", " " + bare + " "}})) == 200);
    // A bare token that names no lock here: the refresh fails as it would with "(<...>)".
    CHECK(status(f.run(http::verb::lock, "/l.txt", {{"If", "urn:uuid:0000"}})) == 412);
    // Where the If header guards a change, RFC 4918 §10.4.2's grammar holds: 400, nothing written.
    CHECK(status(f.run(http::verb::put, "/l.txt", {{"If", bare}}, "changed")) == 400);
    CHECK(status(f.run(http::verb::delete_, "/l.txt", {{"If", bare}})) == 400);
    CHECK(status(f.run(http::verb::lock, "/l.txt", {{"If", bare}}, exclusive_lock)) == 400);
    CHECK(f.dir.read("l.txt") == "l");
    CHECK(status(f.run(http::verb::put, "/l.txt", {{"If", "(" + coded + ")"}}, "changed")) == 204);
}

TEST_CASE("PUT lands where its URL names now, though the parent collection moved during the upload", "[unit][dav]") {
    fixture f;
    f.dir.mkdir("a");
    auto moved_and_replaced = f.put_while("/a/x", {}, "new", [&] {
        std::filesystem::rename(f.dir / "a", f.dir / "b");
        f.dir.mkdir("a");
    });
    CHECK(status(moved_and_replaced) == 201);
    CHECK(f.dir.read("a/x") == "new");
    CHECK_FALSE(f.dir.exists("b/x"));
    auto moved_away = f.put_while("/a/y", {}, "lost", [&] { std::filesystem::rename(f.dir / "a", f.dir / "c"); });
    CHECK(status(moved_away) == 409); // RFC 4918 §9.7.1: the parent collection is gone
    CHECK_FALSE(f.dir.exists("c/y"));
    CHECK_FALSE(f.dir.exists("a"));
}

TEST_CASE("PUT checks its preconditions again at commit: a lock or a change during the upload wins",
          "[unit][dav][locks]") {
    fixture f;
    f.dir.write("l.txt", "old");
    auto locked = f.put_while("/l.txt", {}, "intruder", [&] {
        REQUIRE(status(f.run(http::verb::lock, "/l.txt", {}, exclusive_lock)) == 200);
    });
    CHECK(status(locked) == 423);
    CHECK(f.dir.read("l.txt") == "old");

    f.dir.write("m.txt", "mine");
    std::string etag(f.run(http::verb::head, "/m.txt").fields[http::field::etag]);
    REQUIRE_FALSE(etag.empty());
    auto changed =
        f.put_while("/m.txt", {{"If-Match", etag}}, "update", [&] { f.dir.write("m.txt", "theirs, longer"); });
    CHECK(status(changed) == 412);
    CHECK(f.dir.read("m.txt") == "theirs, longer");
}

TEST_CASE("PUT onto a name that became a collection during the upload is a conflict", "[unit][dav]") {
    fixture f;
    auto r = f.put_while("/n", {}, "x", [&] { f.dir.mkdir("n/inside"); });
    CHECK(status(r) == 409); // not 405: the method applies, another client got there first
    CHECK(std::filesystem::is_directory(f.dir / "n/inside"));
    CHECK(dav::status_for(fs::make_error(EISDIR), dav::path_role::target).status == http::status::method_not_allowed);
}

TEST_CASE("PUT with X-Expected-Entity-Length refuses a body of another size and keeps the old file", "[unit][dav]") {
    fixture f;
    f.dir.write("e.txt", "old");
    auto shorter = f.run(http::verb::put, "/e.txt", {{"X-Expected-Entity-Length", "10"}}, "short");
    CHECK(status(shorter) == 400);
    CHECK(fixture::body_of(shorter).find("shorter than X-Expected-Entity-Length") != std::string::npos);
    CHECK(f.dir.read("e.txt") == "old");
    CHECK(status(f.run(http::verb::put, "/new.txt", {{"X-Expected-Entity-Length", "10"}}, "short")) == 400);
    CHECK_FALSE(f.dir.exists("new.txt"));
    CHECK(status(f.run(http::verb::put, "/e.txt", {{"X-Expected-Entity-Length", "5"}}, "exact")) == 204);
    CHECK(f.dir.read("e.txt") == "exact");
    // Not a number: ignored.
    CHECK(status(f.run(http::verb::put, "/e.txt", {{"X-Expected-Entity-Length", "five"}}, "other")) == 204);
}

TEST_CASE("out of descriptors is 503 with Retry-After, not 500", "[unit][dav]") {
    fixture f;
    f.dir.write("descriptors.txt", "d");
    CHECK(dav::status_for(fs::make_error(ENFILE), dav::path_role::parent).status == http::status::service_unavailable);
    // A GET first, so that the per-thread cache of open files lets go of other tests' descriptors now;
    // and one of a path with a segment, so that UndefinedBehaviorSanitizer checks the type of
    // Boost.URL's decoder (reading /proc/self/maps) while it still has a descriptor to do so.
    REQUIRE(status(f.run(http::verb::get, "/")) == 200);
    REQUIRE(status(f.run(http::verb::get, "/no-such-file")) == 404);
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(lowest_free >= 0);
    ::close(lowest_free);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free); // the next descriptor is one too many
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    auto r = f.run(http::verb::get, "/descriptors.txt");
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
    CHECK(status(r) == 503);
    CHECK(r.fields[http::field::retry_after] == "1");
}

TEST_CASE("nothing is created deeper than a walk goes, and DELETE removes whatever is there", "[unit][dav]") {
    fixture f;
    f.dir.mkdir(chain(fs::max_tree_depth - 1));
    CHECK(status(f.run(http::verb::mkcol, "/" + chain(fs::max_tree_depth))) == 201);
    CHECK(status(f.run(http::verb::mkcol, "/" + chain(fs::max_tree_depth + 1))) == 403);
    CHECK(status(f.run(http::verb::put, "/" + chain(fs::max_tree_depth) + "/f", {}, "x")) == 403);
    f.dir.write("s.txt", "s");
    CHECK(status(f.run(http::verb::copy, "/s.txt", {{"Destination", "/" + chain(fs::max_tree_depth) + "/s"}})) == 403);
    CHECK(status(f.run(http::verb::move, "/s.txt", {{"Destination", "/" + chain(fs::max_tree_depth) + "/s"}})) == 403);
    // Made by another tool, deeper than the limit: one DELETE still removes it all.
    f.dir.write(chain(300) + "/bottom.txt", "b");
    CHECK(status(f.run(http::verb::delete_, "/d/")) == 204);
    CHECK_FALSE(f.dir.exists("d"));
}

TEST_CASE("COPY whose destination another client removes midway is a 409, not a member per file", "[unit][dav]") {
    fixture f;
    for (int i = 0; i < 200; ++i) f.dir.write("src/f" + std::to_string(i), "x");
    int entries = 0;
    f.config.before_entry_hook = [&](std::string_view, std::stop_token) {
        if (++entries == 20) std::filesystem::remove_all(f.dir / "dst");
    };
    auto r = f.run(http::verb::copy, "/src/", {{"Destination", "/dst/"}});
    CHECK(status(r) == 409);
    CHECK(entries < 25);
    CHECK_FALSE(f.dir.exists("dst"));
}
