// Races between requests on overlapping paths, made deterministic: a gate holds the first request
// between its checks and its change, the second is sent, and the gate opens only once the second is
// seen waiting (its first 102). Each outcome must be one that some serial order of the two explains.
// Also: an exception thrown while serving one connection closes that connection alone.
#include "support/captured_log.hpp"
#include "support/gate.hpp"
#include "support/loopback_server.hpp"
#include "support/raw_client.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <cstdio>
#include <future>
#include <stdexcept>

#include <unistd.h>

using namespace std::chrono_literals;
using keepdav::test::gate;
using keepdav::test::loopback_server;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;
namespace net = boost::asio;

namespace {

keepdav::server_config config_for(const temp_tree& tree, gate& g) {
    keepdav::server_config config;
    config.root = tree.path();
    config.processing_after = 50ms;
    config.processing_interval = 50ms;
    config.before_entry_hook = [&g](std::string_view rel, std::stop_token stop) { g.on_entry(rel, stop); };
    return config;
}

probe::request request(const loopback_server& server, std::string method, const std::string& path,
                       std::vector<probe::header> headers = {}, std::string body = {}) {
    probe::request req;
    req.method = std::move(method);
    req.url = server.url(path);
    req.headers = std::move(headers);
    req.body = std::move(body);
    req.read_timeout = 20;
    return req;
}

const std::string lock_body = R"(<?xml version="1.0" encoding="utf-8"?>
<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>)";

/** Sends `second` once `first` (already started) is held at the gate; opens the gate when `second` waits. */
probe::transcript run_while_held(gate& g, const probe::request& second) {
    g.wait_until_holding();
    auto t = probe::run(second, [&g](const probe::response_event&) { g.open(); });
    g.open(); // answered without waiting (a failure the test reports): the first must not hang
    return t;
}

unsigned final_status(const probe::transcript& t) { return t.final_response ? t.final_response->status : 0; }

/** A raw connection, for requests whose header and body must be sent at different moments. */
struct raw_connection {
    keepdav::test::raw_client client;

    explicit raw_connection(std::uint16_t port) : client(port, std::chrono::seconds(20)) {}

    void send(const std::string& bytes) { client.send(bytes); }

    /** The status code of the next response header (its body, if any, stays unread). */
    unsigned next_status() {
        client.read_until("\r\n\r\n");
        auto end = client.received().find("\r\n\r\n");
        auto status = static_cast<unsigned>(std::stoi(client.received().substr(9, 3)));
        client.consume(end + 4);
        return status;
    }

    /** Whatever arrives until the server closes the connection. */
    std::string rest() { return client.read_to_end(); }
};

/** A PUT whose header (with Expect: 100-continue) has been checked by the server; the body is not sent yet. */
std::unique_ptr<raw_connection> put_header_accepted(const loopback_server& server, const std::string& path,
                                                    std::size_t length) {
    auto c = std::make_unique<raw_connection>(server.port());
    c->send("PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(length) +
            "\r\nExpect: 100-continue\r\n\r\n");
    REQUIRE(c->next_status() == 100); // the PUT's checks passed; the body is awaited
    return c;
}

} // namespace

TEST_CASE("a LOCK of a member waits for the DELETE of its collection, then finds nothing to lock", "[integration][races]") {
    temp_tree tree;
    for (int i = 0; i < 3; ++i) tree.write("c/m" + std::to_string(i), "member");
    gate g;
    loopback_server server(config_for(tree, g));

    auto deleting = std::async(std::launch::async, [&] { return probe::run(request(server, "DELETE", "/c/")); });
    auto lock = run_while_held(g, request(server, "LOCK", "/c/m1", {{"Timeout", "Second-60"}}, lock_body));
    auto deleted = deleting.get();

    CHECK(final_status(deleted) == 204);
    CHECK_FALSE(lock.interim.empty()); // it waited, with 102s, rather than slip in between
    // Serial order: DELETE, then LOCK of an unmapped URL whose parent is gone (RFC 4918 §9.10.4).
    CHECK(final_status(lock) == 409);
    CHECK_FALSE(tree.exists("c"));
}

TEST_CASE("a COPY's destination cannot be moved into its source while the copy runs", "[integration][races]") {
    temp_tree tree;
    tree.write("src/a.txt", "a");
    tree.write("src/sub/b.txt", "b");
    tree.mkdir("dst");
    gate g;
    loopback_server server(config_for(tree, g));

    auto copying = std::async(std::launch::async, [&] {
        return probe::run(request(server, "COPY", "/src/", {{"Destination", server.url("/dst/")}}));
    });
    auto move = run_while_held(g, request(server, "MOVE", "/dst/", {{"Destination", server.url("/src/inner/")}}));
    auto copied = copying.get();

    CHECK(final_status(copied) == 204); // the destination existed and was replaced
    CHECK(final_status(move) == 201);
    // Serial order: COPY, then MOVE: the copy sits inside the source once, never inside itself.
    CHECK(tree.read("src/inner/a.txt") == "a");
    CHECK(tree.read("src/inner/sub/b.txt") == "b");
    CHECK_FALSE(tree.exists("src/inner/inner"));
    CHECK_FALSE(tree.exists("dst"));
}

TEST_CASE("a tokenless PUT whose header came before a LOCK does not overwrite the locked file", "[integration][races]") {
    temp_tree tree;
    tree.write("f.txt", "original");
    gate g;
    loopback_server server(config_for(tree, g));

    auto put = put_header_accepted(server, "/f.txt", 5);
    auto lock = probe::run(request(server, "LOCK", "/f.txt", {{"Timeout", "Second-60"}}, lock_body));
    REQUIRE(final_status(lock) == 200);
    put->send("later");

    // Serial order: LOCK, then the PUT (which happens when its body is complete): 423.
    CHECK(put->next_status() == 423);
    CHECK(tree.read("f.txt") == "original");
}

TEST_CASE("an upload whose collection moved away while its body was sent does not land in the new place",
          "[integration][races]") {
    temp_tree tree;
    tree.mkdir("a");
    gate g;
    loopback_server server(config_for(tree, g));

    auto put = put_header_accepted(server, "/a/x.txt", 4);
    auto move = probe::run(request(server, "MOVE", "/a/", {{"Destination", server.url("/b/")}}));
    REQUIRE(final_status(move) == 201);
    put->send("data");

    // Serial order: MOVE, then the PUT into /a, which no longer exists (RFC 4918 §9.7.1: 409).
    CHECK(put->next_status() == 409);
    CHECK_FALSE(tree.exists("b/x.txt"));
    CHECK_FALSE(tree.exists("a/x.txt"));
}

TEST_CASE("an exception thrown while serving one connection closes that connection alone", "[integration][races]") {
    temp_tree tree;
    tree.write("ok.txt", "fine");
    keepdav::server_config config;
    config.root = tree.path();
    config.request_header_hook = [](std::string_view target) {
        if (target == "/boom") throw std::runtime_error("injected by the test");
    };
    loopback_server server(std::move(config));

    raw_connection bystander(server.port()); // opened before, used after
    raw_connection victim(server.port());
    victim.send("GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK(victim.rest().empty()); // closed, with no response

    bystander.send("GET /ok.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK(bystander.next_status() == 200);
    auto fresh = probe::run(request(server, "GET", "/ok.txt"));
    CHECK(final_status(fresh) == 200);
    CHECK(fresh.body == "fine");
}


TEST_CASE("a server abort during a body read is no client or disk error, and nothing is written after",
          "[integration][races]") {
    temp_tree tree;
    keepdav::server_config config;
    config.root = tree.path();
    config.shutdown_grace = 50ms;
    keepdav::test::captured_log log;
    auto server = std::make_unique<loopback_server>(std::move(config));
    std::vector<std::unique_ptr<raw_connection>> uploads;
    for (const char* kind : {"Content-Length: 100000", "Transfer-Encoding: chunked", "Content-Length: 50"}) {
        auto c = std::make_unique<raw_connection>(server->port());
        // The PROPFIND's body goes through the parser, the PUTs' through the direct and chunked paths.
        std::string method = std::string(kind).ends_with("50") ? "PROPFIND" : "PUT";
        c->send(method + " /upload-" + std::to_string(uploads.size()) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + kind +
                "\r\nExpect: 100-continue\r\n\r\n");
        REQUIRE(c->next_status() == 100);
        c->send(std::string(kind).find("chunked") != std::string::npos ? "5\r\nhello\r\n" : "partial");
        uploads.push_back(std::move(c));
    }
    server->stop(); // the grace ends with the bodies still unread: every connection is aborted
    for (auto& c : uploads) CHECK(c->rest().empty()); // no response of any kind after the close
    auto logged = log.text();
    INFO(logged);
    CHECK(logged.find("bad request body") == std::string::npos);
    CHECK(logged.find("writing the body failed") == std::string::npos);
    CHECK(logged.find("\" 400 ") == std::string::npos);
    CHECK(logged.find("\" 500 ") == std::string::npos);
    CHECK_FALSE(tree.exists("upload-0"));
    CHECK_FALSE(tree.exists("upload-1"));
}
