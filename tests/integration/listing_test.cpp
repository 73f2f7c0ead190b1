// Large PROPFIND listings over a real socket: collections big enough to be formatted by several
// threads must still list every member once, in one well-formed 207, with each member's own
// properties.
#include "support/loopback_server.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <map>
#include <string>

using keepdav::test::loopback_server;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;

namespace {

/** href -> DAV:getcontentlength ("" for collections) of every DAV:response in a 207 body. */
std::map<std::string, std::string> listed(const std::string& body, std::size_t& responses) {
    pugi::xml_document doc;
    REQUIRE(doc.load_buffer(body.data(), body.size()));
    std::map<std::string, std::string> out;
    responses = 0;
    for (auto r : doc.child("D:multistatus").children("D:response")) {
        ++responses;
        out[r.child_value("D:href")] = r.child("D:propstat").child("D:prop").child_value("D:getcontentlength");
    }
    return out;
}

probe::transcript propfind(const loopback_server& server, const std::string& path, const std::string& depth,
                       const std::string& body = "") {
    probe::request req;
    req.method = "PROPFIND";
    req.url = server.url(path);
    req.headers = {{"Depth", depth}};
    req.body = body;
    req.keep_body_bytes = 64 << 20;
    return probe::run(req);
}

} // namespace

TEST_CASE("PROPFIND Depth 1 on thousands of members lists each once with its own properties",
          "[integration][listing]") {
    temp_tree tree;
    constexpr int members = 5000;
    for (int i = 0; i < members; ++i) tree.write("big/f" + std::to_string(i) + ".txt", std::string(i % 97, 'x'));
    tree.mkdir("big/sub");
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);

    auto r = propfind(server, "/big/", "1");
    REQUIRE(r.final_response);
    CHECK(r.final_response->status == 207);
    std::size_t responses = 0;
    auto hrefs = listed(r.body, responses);
    CHECK(responses == members + 2);
    CHECK(hrefs.size() == members + 2);
    CHECK(hrefs.count("/big/"));
    CHECK(hrefs.count("/big/sub/"));
    int wrong = 0;
    for (int i = 0; i < members; ++i) {
        auto it = hrefs.find("/big/f" + std::to_string(i) + ".txt");
        if (it == hrefs.end() || it->second != std::to_string(i % 97)) ++wrong;
    }
    CHECK(wrong == 0);

    // Named properties: each member answers for itself, the missing one in a 404 propstat.
    auto named = propfind(server, "/big/", "1",
                          "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><D:getcontentlength/>"
                          "<D:nosuch/></D:prop></D:propfind>");
    REQUIRE(named.final_response);
    CHECK(named.final_response->status == 207);
    auto again = listed(named.body, responses);
    CHECK(responses == members + 2);
    CHECK(again["/big/f96.txt"] == "96");
}

TEST_CASE("PROPFIND Depth infinity descends into every large collection once", "[integration][listing]") {
    temp_tree tree;
    for (int d = 0; d < 3; ++d) {
        for (int i = 0; i < 1500; ++i) tree.write("t/d" + std::to_string(d) + "/f" + std::to_string(i), "x");
        for (int s = 0; s < 3; ++s) tree.write("t/d" + std::to_string(d) + "/s" + std::to_string(s) + "/leaf", "yy");
    }
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    auto r = propfind(server, "/t/", "infinity");
    REQUIRE(r.final_response);
    CHECK(r.final_response->status == 207);
    std::size_t responses = 0;
    auto hrefs = listed(r.body, responses);
    // /t/, 3 x (d/, 1500 files, 3 x (s/, leaf))
    CHECK(responses == 1 + 3 * (1 + 1500 + 3 * 2));
    CHECK(hrefs.size() == responses);
    CHECK(hrefs["/t/d2/s1/leaf"] == "2");
}
