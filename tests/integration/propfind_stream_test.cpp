// PROPFIND streams its 207 while it walks, over a real loopback socket: the header comes before the
// walk ends, the body is chunked and whole, a client that does not read holds the walker (bounded
// memory), a client that leaves stops it, HTTP/1.0 gets a close-delimited body, a walk that breaks
// after the header ends the body incomplete, and a held PROPFIND gets its 102s, then its 207.
#include "support/captured_log.hpp"
#include "support/gate.hpp"
#include "support/loopback_server.hpp"
#include "support/poll.hpp"
#include "support/raw_client.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <pugixml.hpp>

#include <atomic>
#include <climits>
#include <map>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using keepdav::test::captured_log;
using keepdav::test::eventually;
using keepdav::test::gate;
using keepdav::test::loopback_server;
using keepdav::test::raw_client;
using keepdav::test::temp_tree;
namespace http = boost::beast::http;
namespace probe = keepdav::probe;

namespace {

/** `members` empty files under big/. */
void make_collection(const temp_tree& tree, int members) {
    for (int i = 0; i < members; ++i) tree.write("big/f" + std::to_string(i), "");
}

/** A server of `tree` whose walker reports each entry to `g` (which may hold it). */
keepdav::server_config config_for(const temp_tree& tree, gate& g) {
    keepdav::server_config c;
    c.root = tree.path();
    c.before_entry_hook = [&g](std::string_view rel, std::stop_token stop) { g.on_entry(rel, stop); };
    return c;
}

std::string propfind_request(const std::string& version = "1.1") {
    return "PROPFIND /big/ HTTP/" + version + "\r\nHost: 127.0.0.1\r\nDepth: 1\r\n\r\n";
}

/** A response as Beast's parser reads it from `bytes`, counting the chunks; the stream ended after them. */
struct parsed_response {
    http::response<http::string_body> message;
    bool complete = false;
    bool chunked = false;
    int chunks = 0;
};

parsed_response parse(const std::string& bytes) {
    parsed_response out;
    http::response_parser<http::string_body> p;
    p.body_limit(64 << 20);
    p.eager(true);
    auto count = [&](std::uint64_t size, auto /*extensions*/, boost::system::error_code&) {
        if (size > 0) ++out.chunks;
    };
    p.on_chunk_header(count);
    boost::system::error_code ec;
    auto used = p.put(boost::asio::buffer(bytes), ec);
    if (ec && ec != http::error::need_more) throw std::runtime_error("unparsable response: " + ec.message());
    if (used < bytes.size()) throw std::runtime_error("bytes after the response");
    if (!p.is_done()) p.put_eof(ec); // a close-delimited body ends here
    out.complete = p.is_done() && !ec;
    out.chunked = p.chunked();
    out.message = p.release();
    return out;
}

/** href -> how many DAV:response elements name it. */
std::map<std::string, int> hrefs_of(const std::string& body) {
    pugi::xml_document doc;
    auto loaded = doc.load_buffer(body.data(), body.size());
    if (!loaded) throw std::runtime_error(std::string("the 207 is not well-formed: ") + loaded.description());
    std::map<std::string, int> out;
    for (auto r : doc.child("D:multistatus").children("D:response")) ++out[r.child_value("D:href")];
    return out;
}

/** Every member once, and the collection itself. */
void require_each_member_once(const std::string& body, int members) {
    auto hrefs = hrefs_of(body);
    CHECK(hrefs.size() == static_cast<std::size_t>(members) + 1);
    CHECK(hrefs["/big/"] == 1);
    int wrong = 0;
    for (int i = 0; i < members; ++i)
        if (hrefs["/big/f" + std::to_string(i)] != 1) ++wrong;
    CHECK(wrong == 0);
}

} // namespace

TEST_CASE("PROPFIND Depth 1 sends its 207 header before the walk ends, then every member once, chunked",
          "[integration][propfind-stream]") {
    temp_tree tree;
    constexpr int members = 4000;
    make_collection(tree, members);
    gate g; // holds the walker at the first member
    loopback_server server(config_for(tree, g));
    raw_client client(server.port());
    client.send(propfind_request());
    g.wait_until_holding();
    // The walker is held: whatever arrives now was sent before the walk could end.
    client.read_until("\r\n\r\n");
    auto head = client.received().substr(0, client.received().find("\r\n\r\n"));
    CHECK(head.starts_with("HTTP/1.1 207 Multi-Status\r\n"));
    CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
    CHECK(head.find("Content-Length") == std::string::npos);
    CHECK(g.entries() == 1);
    g.open();
    client.read_until("\r\n0\r\n\r\n");
    auto r = parse(client.received());
    REQUIRE(r.complete);
    CHECK(r.chunked);
    CHECK(r.chunks > 1); // sent as the walk went, not in one piece at its end
    CHECK(r.message.result_int() == 207);
    require_each_member_once(r.message.body(), members);
    CHECK(g.entries() == members);

    // The connection stays usable after the last chunk.
    client.consume(client.received().size());
    client.send("OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    client.read_until("\r\n\r\n");
    CHECK(client.received().starts_with("HTTP/1.1 200 "));
}

TEST_CASE("a client that does not read holds no worker: the walk runs to its end, the rest waits on disk",
          "[integration][propfind-stream]") {
    temp_tree tree;
    constexpr int members = 20000; // about 14 MB of XML: more than the socket buffers and the pipe hold
    make_collection(tree, members);
    gate counter(INT_MAX); // holds nothing; counts the entries the walker reaches
    loopback_server server(config_for(tree, counter));
    raw_client client(server.port(), 20s, 4096);
    client.send(propfind_request());
    client.read_until("\r\n\r\n");
    // The client reads nothing more, yet the walker reaches every member: what the client has not
    // taken overflowed to the spool directory instead of holding the file system worker.
    REQUIRE(eventually([&] { return counter.entries() == members; }, 20s));
    // Once the client reads, it gets the whole body, in order, nothing lost.
    client.read_until("\r\n0\r\n\r\n");
    auto r = parse(client.received());
    REQUIRE(r.complete);
    require_each_member_once(r.message.body(), members);
}

TEST_CASE("a client that leaves mid-stream stops the walk", "[integration][propfind-stream]") {
    temp_tree tree;
    constexpr int members = 3000;
    make_collection(tree, members);
    gate g(1000); // the walker is held at its 1000th member
    captured_log log;
    loopback_server server(config_for(tree, g));
    {
        raw_client client(server.port());
        client.send(propfind_request());
        client.read_until("\r\n\r\n");
        g.wait_until_holding();
    } // the client closes the connection
    CHECK(g.wait_until_stop_seen());
    CHECK(g.entries() < members);
    CHECK(eventually([&] { return log.text().find("client closed the connection") != std::string::npos; }));
    // The server goes on serving.
    probe::request options;
    options.method = "OPTIONS";
    options.url = server.url("/");
    auto t = probe::run(options);
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 200);
}

TEST_CASE("an HTTP/1.0 PROPFIND gets the whole 207, delimited by the connection's close",
          "[integration][propfind-stream]") {
    temp_tree tree;
    constexpr int members = 3000;
    make_collection(tree, members);
    gate counter(INT_MAX);
    loopback_server server(config_for(tree, counter));
    raw_client client(server.port());
    client.send(propfind_request("1.0"));
    client.read_to_end();
    CHECK(client.end() == boost::asio::error::eof);
    auto r = parse(client.received());
    REQUIRE(r.complete);
    CHECK_FALSE(r.chunked);
    CHECK_FALSE(r.message.has_content_length());
    CHECK(r.message.version() == 10);
    CHECK(r.message.result_int() == 207);
    require_each_member_once(r.message.body(), members);
}

TEST_CASE("a walk that breaks after the header ends the body incomplete, never as a well-formed 207",
          "[integration][propfind-stream]") {
    temp_tree tree;
    constexpr int members = 3000;
    make_collection(tree, members);
    captured_log log;
    gate unused;
    auto c = config_for(tree, unused);
    std::atomic<int> entries{0};
    c.before_entry_hook = [&entries](std::string_view, std::stop_token) {
        if (++entries == 2000) throw std::runtime_error("injected by the test");
    };
    loopback_server server(c);
    for (std::string version : {"1.1", "1.0"}) {
        INFO("HTTP/" << version);
        raw_client client(server.port());
        client.send(propfind_request(version));
        client.read_to_end();
        entries = 0;
        const auto& bytes = client.received();
        CHECK(bytes.starts_with("HTTP/" + version + " 207 "));
        CHECK(bytes.find("</D:multistatus>") == std::string::npos);
        CHECK(bytes.find("\r\n0\r\n\r\n") == std::string::npos);
        if (version == "1.1") CHECK_FALSE(parse(bytes).complete);
    }
    CHECK(log.text().find("injected by the test") != std::string::npos);
}

TEST_CASE("a held PROPFIND gets its 102s through the hold, then streams its 207, logged with its bytes",
          "[integration][propfind-stream]") {
    temp_tree tree;
    constexpr int members = 500;
    make_collection(tree, members);
    captured_log log;
    gate counter(INT_MAX);
    auto c = config_for(tree, counter);
    c.test_hooks = true;
    loopback_server server(c);
    probe::request req;
    req.method = "PROPFIND";
    req.url = server.url("/big/");
    req.headers = {{"Depth", "1"}, {"Keepdav-Delay", "0.4"}, {"Keepdav-Interim-Interval", "0.1"}};
    req.keep_body_bytes = 16 << 20;
    auto t = probe::run(req);
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 207);
    CHECK(t.interim.size() >= 2);
    require_each_member_once(t.body, members);
    auto line = "\"PROPFIND /big/ HTTP/1.1\" 207 " + std::to_string(t.body.size()) + " ";
    CHECK(eventually([&] { return log.text().find(line) != std::string::npos; }));
}
