// Races between requests on overlapping paths, made deterministic: a gate holds the first request
// inside its atomic step (in a long operation's walk, or holding its path claims before its checks),
// the second is sent, and the gate opens only once the second is seen waiting (its first 102). Each
// outcome must be the one that the serial order "first, then second" gives.
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

#include <atomic>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <utility>
#include <vector>

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

/**
 * A server whose writing requests wait at `g` once they hold their path claims, before their checks
 * and their change: the first request is held inside its atomic step, and a second one on an
 * overlapping path can only queue behind it (and get 102s there).
 */
keepdav::server_config claims_gated_config(const temp_tree& tree, gate& g) {
    keepdav::server_config config;
    config.root = tree.path();
    config.processing_after = 50ms;
    config.processing_interval = 50ms;
    config.claims_held_hook = [&g](std::string_view rel, std::function<void()> go_on) {
        g.on_claims_held(rel, std::move(go_on));
    };
    return config;
}

struct race_outcome {
    probe::transcript first, second;
};

/** Sends `first`; once it is held at the gate, sends `second` and opens the gate when `second` waits. */
race_outcome run_first_held(gate& g, const probe::request& first, const probe::request& second) {
    auto running = std::async(std::launch::async, [&] { return probe::run(first); });
    auto later = run_while_held(g, second);
    return {running.get(), std::move(later)};
}

/** The token a LOCK granted, without the angle brackets of its Lock-Token header. */
std::string granted_token(const probe::transcript& t) {
    std::string coded = t.final_response ? t.final_response->field("Lock-Token") : std::string();
    return coded.size() > 2 ? coded.substr(1, coded.size() - 2) : coded;
}

/** The lock `token` on `path` is alive and does its job: a tokenless PUT is kept out, its holder's goes in. */
void check_lock_works(const loopback_server& server, const std::string& path, const std::string& token) {
    INFO("lock " << token << " on " << path);
    REQUIRE_FALSE(token.empty());
    CHECK(final_status(probe::run(request(server, "PUT", path, {}, "intruder"))) == 423);
    CHECK(final_status(probe::run(request(server, "PUT", path, {{"If", "(<" + token + ">)"}}, "holder"))) == 204);
}

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

TEST_CASE("a tokenless DELETE or MOVE racing a LOCK of the same file goes wholly before or wholly after it",
          "[integration][races]") {
    temp_tree tree;
    tree.write("f.txt", "content");
    gate g;
    loopback_server server(claims_gated_config(tree, g));
    auto lock = request(server, "LOCK", "/f.txt", {{"Timeout", "Second-60"}}, lock_body);
    bool moving = GENERATE(false, true);
    auto change = request(server, "DELETE", "/f.txt");
    if (moving) change = request(server, "MOVE", "/f.txt", {{"Destination", server.url("/g.txt")}});
    INFO(change.method << " /f.txt");

    SECTION("the DELETE or MOVE first") {
        auto [changed, locked] = run_first_held(g, change, lock);
        CHECK(final_status(changed) == (moving ? 201 : 204));
        CHECK_FALSE(locked.interim.empty()); // it waited for the other's claims
        // Serial order: the change, then a LOCK of the URL it left unmapped: a new, empty, locked
        // file (RFC 4918 §7.3).
        CHECK(final_status(locked) == 201);
        CHECK(tree.read("f.txt").empty());
        if (moving) CHECK(tree.read("g.txt") == "content");
        check_lock_works(server, "/f.txt", granted_token(locked));
    }
    SECTION("the LOCK first") {
        auto [locked, changed] = run_first_held(g, lock, change);
        CHECK(final_status(locked) == 200);
        CHECK_FALSE(changed.interim.empty()); // it waited for the LOCK's claims
        // Serial order: the LOCK, then a change without its token: 423; the file and its lock stay.
        CHECK(final_status(changed) == 423);
        CHECK(tree.read("f.txt") == "content");
        CHECK_FALSE(tree.exists("g.txt"));
        check_lock_works(server, "/f.txt", granted_token(locked));
    }
    CHECK(tree.read("f.txt") == "holder");
}

TEST_CASE("eight LOCKs of one unmapped URL at once: one creates and locks it and the seven others get 423",
          "[integration][races]") {
    temp_tree tree;
    gate g;
    loopback_server server(claims_gated_config(tree, g));
    auto lock = request(server, "LOCK", "/new.txt", {{"Timeout", "Second-60"}}, lock_body);

    auto first = std::async(std::launch::async, [&] { return probe::run(lock); });
    g.wait_until_holding();
    constexpr int others = 7;
    std::atomic<int> waiting = 0;
    std::vector<std::future<probe::transcript>> later;
    for (int i = 0; i < others; ++i)
        later.push_back(std::async(std::launch::async, [&] {
            bool counted = false;
            return probe::run(lock, [&](const probe::response_event& e) {
                // The first goes on only once all seven are queued behind it (each seen by its 102).
                if (e.status == 102 && !std::exchange(counted, true) && ++waiting == others) g.open();
            });
        }));
    std::vector<unsigned> statuses;
    for (auto& f : later) {
        auto t = f.get();
        CHECK_FALSE(t.interim.empty());
        statuses.push_back(final_status(t));
    }
    g.open(); // one answered without waiting (a failure reported above): the first must not hang
    auto won = first.get();

    // Serial order: the held LOCK creates the file and locks it; each later one finds it locked (423,
    // never 409), and none of them removes what the first created.
    CHECK(final_status(won) == 201);
    CHECK(statuses == std::vector<unsigned>(others, 423));
    CHECK(tree.read("new.txt").empty());
    check_lock_works(server, "/new.txt", granted_token(won));
    CHECK(tree.read("new.txt") == "holder");
}
