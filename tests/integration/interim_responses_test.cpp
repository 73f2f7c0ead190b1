// 102 Processing over a real loopback socket: a client with a read timeout survives an operation many
// times longer; without 102s it does not; HTTP/1.0 and denied user agents never see one (the policy's
// table is a unit test: tests/unit/server/interim_policy_test.cpp); a client that leaves, or one whose
// 102s cannot be written, stops the operation; the connection stays usable afterwards.
#include "support/captured_log.hpp"
#include "support/gate.hpp"
#include "support/loopback_server.hpp"
#include "support/poll.hpp"
#include "support/raw_client.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace std::chrono_literals;
using keepdav::test::captured_log;
using keepdav::test::eventually;
using keepdav::test::gate;
using keepdav::test::loopback_server;
using keepdav::test::raw_client;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;

namespace {

/** A source tree of a few files in two levels. */
void make_source(const temp_tree& tree, const std::string& name = "src") {
    for (int i = 0; i < 4; ++i) tree.write(name + "/f" + std::to_string(i) + ".bin", std::string(100000 + i, char('a' + i)));
    tree.write(name + "/sub/deep.txt", "deep");
    tree.write(name + "/sub/more.txt", "more");
}

keepdav::server_config config_for(const temp_tree& tree, gate& g) {
    keepdav::server_config config;
    config.root = tree.path();
    config.processing_after = 100ms;
    config.processing_interval = 100ms;
    config.before_entry_hook = [&g](std::string_view rel, std::stop_token stop) { g.on_entry(rel, stop); };
    return config;
}

probe::request copy_request(const loopback_server& server, double read_timeout, const std::string& from = "src",
                            const std::string& to = "dst") {
    probe::request req;
    req.method = "COPY";
    req.url = server.url("/" + from + "/");
    req.headers = {{"Destination", server.url("/" + to + "/")}};
    req.read_timeout = read_timeout;
    return req;
}

/** Same files with the same bytes under both directories. */
void require_same_tree(const std::filesystem::path& a, const std::filesystem::path& b) {
    std::size_t files = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(a)) {
        auto rel = std::filesystem::relative(entry.path(), a);
        INFO("member " << rel.string());
        REQUIRE(std::filesystem::exists(b / rel));
        if (entry.is_regular_file()) {
            ++files;
            REQUIRE(std::filesystem::file_size(b / rel) == entry.file_size());
            std::ifstream x(entry.path(), std::ios::binary), y(b / rel, std::ios::binary);
            REQUIRE(std::string(std::istreambuf_iterator<char>(x), {}) == std::string(std::istreambuf_iterator<char>(y), {}));
        }
    }
    REQUIRE(files > 0);
}

/**
 * The server's end of the loopback connection from `client_port` to `server_port`: the server runs in
 * this process, so its socket is among this process's descriptors. -1 until the server has accepted.
 */
int server_end_of(std::uint16_t server_port, std::uint16_t client_port) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        int fd = std::stoi(entry.path().filename().string());
        sockaddr_in local{}, peer{};
        socklen_t local_size = sizeof local, peer_size = sizeof peer;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 || local.sin_family != AF_INET)
            continue;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) continue;
        if (ntohs(local.sin_port) == server_port && ntohs(peer.sin_port) == client_port) return fd;
    }
    return -1;
}

bool has_temp_files(const std::filesystem::path& root) {
    for (auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.path().filename().string().starts_with(".keepdav-tmp-")) return true;
    return false;
}

} // namespace

TEST_CASE("a client with a read timeout outlives a COPY many times longer, thanks to 102s", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(3); // two resources finish, then the worker is held
    loopback_server server(config_for(tree, g));

    const double read_timeout = 0.4;
    auto transcript = probe::run(copy_request(server, read_timeout), [&](const probe::response_event& e) {
        // The operation has now outlived the client's read timeout several times over: let it finish.
        if (e.t > 4 * read_timeout) g.open();
    });

    INFO(probe::to_text(transcript));
    REQUIRE(transcript.error.empty());
    REQUIRE_FALSE(transcript.timed_out);
    REQUIRE(transcript.final_response);
    CHECK(transcript.final_response->status == 201);
    REQUIRE(transcript.total > 4 * read_timeout);
    REQUIRE(transcript.interim.size() >= 10);
    CHECK(transcript.longest_silence < read_timeout);
    bool saw_status_uri = false;
    for (const auto& e : transcript.interim) {
        CHECK(e.status == 102);
        CHECK(e.field("Content-Length").empty()); // a 1xx has no body
        CHECK_FALSE(e.field("Keepdav-Progress").empty());
        if (!e.field("Status-URI").empty()) {
            saw_status_uri = true;
            CHECK(e.field("Status-URI").find("201 <" + server.url("/dst/")) != std::string::npos);
        }
    }
    CHECK(saw_status_uri);
    // Both finished resources show in the progress count.
    CHECK(transcript.interim.back().field("Keepdav-Progress").find("items=2") != std::string::npos);
    server.stop();
    require_same_tree(tree / "src", tree / "dst");
    CHECK_FALSE(has_temp_files(tree.path()));
}

TEST_CASE("with 102 turned off, the same client times out", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(1);
    auto config = config_for(tree, g);
    config.processing_enabled = false;
    loopback_server server(config);

    auto transcript = probe::run(copy_request(server, 0.4));
    INFO(probe::to_text(transcript));
    CHECK(transcript.timed_out);
    CHECK_FALSE(transcript.final_response);
    CHECK(transcript.interim.empty());
    g.open();
}

TEST_CASE("a client that leaves stops the operation at a clean point", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(3);
    auto config = config_for(tree, g);
    config.processing_enabled = false;
    loopback_server server(config);

    auto transcript = probe::run(copy_request(server, 0.3)); // gives up and closes the connection
    REQUIRE(transcript.timed_out);
    server.stop(); // returns once the operation has ended; the gate opens only through the stop token
    CHECK(g.stop_seen());
    CHECK(g.entries() == 3);
    CHECK_FALSE(has_temp_files(tree.path()));
    // Whatever was copied is complete: every destination file equals its source.
    for (auto& entry : std::filesystem::recursive_directory_iterator(tree / "dst")) {
        if (!entry.is_regular_file()) continue;
        auto rel = std::filesystem::relative(entry.path(), tree / "dst");
        CHECK(entry.file_size() == std::filesystem::file_size(tree / "src" / rel));
    }
}

TEST_CASE("a MOVE or DELETE whose client leaves runs to its end, and says how it ended", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    make_source(tree, "old");
    make_source(tree, "doomed");
    gate g(2);
    auto config = config_for(tree, g);
    config.processing_enabled = false;
    config.transcript = tree / "transcript.jsonl";
    captured_log log;
    loopback_server server(config);

    // MOVE onto an existing collection is no single rename: the old destination is removed first,
    // and the worker is held there while the client gives up.
    auto move = copy_request(server, 0.3, "src", "old");
    move.method = "MOVE";
    REQUIRE(probe::run(move).timed_out);
    auto del = copy_request(server, 0.3, "doomed");
    del.method = "DELETE";
    del.headers.clear();
    REQUIRE(probe::run(del).timed_out);
    // Both clients are gone; neither operation was told to stop. Let them go on.
    auto count = [&](std::string_view what) {
        auto text = log.text();
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    REQUIRE(eventually([&] { return count("client closed the connection") == 2; }));
    CHECK_FALSE(g.stop_seen());
    g.open();
    REQUIRE(eventually([&] { return count("finished after its client left") == 2; }));
    CHECK(log.text().find("MOVE /src/: finished after its client left (204)") != std::string::npos);
    CHECK(log.text().find("DELETE /doomed/: finished after its client left (204)") != std::string::npos);
    // The documented end state: the move is whole, the delete is whole.
    CHECK_FALSE(std::filesystem::exists(tree / "src"));
    CHECK_FALSE(std::filesystem::exists(tree / "doomed"));
    make_source(tree, "expected");
    require_same_tree(tree / "expected", tree / "old");
    require_same_tree(tree / "old", tree / "expected");
    CHECK_FALSE(g.stop_seen());
    server.stop();
    // One transcript line each, with the outcome the client never saw.
    std::ifstream lines(tree / "transcript.jsonl");
    std::string all((std::istreambuf_iterator<char>(lines)), {});
    CHECK(all.find("\"method\":\"MOVE\"") != std::string::npos);
    CHECK(all.find("\"status\":null,\"client_gone\":true,\"outcome\":204") != std::string::npos);
}

TEST_CASE("HTTP/1.0 and a denied user agent get no 102 in a window where a client beside them gets three",
          "[integration][interim]") {
    temp_tree tree;
    for (auto name : {"src10", "src-denied", "src-control"}) make_source(tree, name);
    gate g(1); // every operation waits at its first resource
    loopback_server server(config_for(tree, g));

    auto http10 = copy_request(server, 10, "src10", "dst10");
    http10.http_version = 10;
    auto denied = copy_request(server, 10, "src-denied", "dst-denied");
    denied.headers.push_back({"User-Agent", "python-requests/2.28.1"});
    auto pending10 = std::async(std::launch::async, [&] { return probe::run(http10); });
    auto pending_denied = std::async(std::launch::async, [&] { return probe::run(denied); });
    g.wait_until_holding(2);
    // The window is measured in 102s, not in time: both held operations started before the control
    // and share its settings, so had they been allowed they would have had at least as many 102s by
    // the time the control has had three. (The control itself waits for a worker: both are held. Its
    // 102s run from when it was dispatched.)
    int control_interims = 0;
    auto control = probe::run(copy_request(server, 10, "src-control", "dst-control"), [&](const probe::response_event& e) {
        if (e.status == 102 && ++control_interims == 3) g.open();
    });
    g.open(); // in case the control failed: the held operations must not outlive the test
    auto t10 = pending10.get();
    auto t_denied = pending_denied.get();
    INFO("control:\n" << probe::to_text(control) << "HTTP/1.0:\n" << probe::to_text(t10) << "denied:\n"
                      << probe::to_text(t_denied));
    REQUIRE(control.final_response);
    CHECK(control.final_response->status == 201);
    CHECK(control.interim.size() >= 3);
    for (const auto* t : {&t10, &t_denied}) {
        REQUIRE(t->final_response);
        CHECK(t->final_response->status == 201);
        CHECK(t->interim.empty());
    }
    require_same_tree(tree / "src10", tree / "dst10");
    require_same_tree(tree / "src-denied", tree / "dst-denied");
}

TEST_CASE("other connections are served while an operation runs", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    tree.write("hello.txt", "hello");
    gate g(1);
    loopback_server server(config_for(tree, g));

    auto pending = std::async(std::launch::async, [&] { return probe::run(copy_request(server, 10)); });
    g.wait_until_holding();
    probe::request get;
    get.url = server.url("/hello.txt");
    get.read_timeout = 5;
    auto quick = probe::run(get);
    g.open();
    REQUIRE(quick.final_response);
    CHECK(quick.final_response->status == 200);
    CHECK(quick.body == "hello");
    CHECK(quick.interim.empty());
    auto copied = pending.get();
    REQUIRE(copied.final_response);
    CHECK(copied.final_response->status == 201);
}

TEST_CASE("after 102s and the final response, the same connection serves the next request", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    tree.write("hello.txt", "hello");
    gate g(1);
    loopback_server server(config_for(tree, g));

    raw_client client(server.port());
    // Two pipelined requests: the GET waits behind the COPY, on the same connection.
    client.send("COPY /src/ HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                "\r\nDestination: /dst/\r\n\r\n"
                "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    g.wait_until_holding();
    // Read until a 102 has arrived, then let the COPY finish.
    client.read_until("HTTP/1.1 102 Processing\r\n");
    g.open();
    const std::string received = client.read_to_end();
    INFO(received);
    auto created = received.find("HTTP/1.1 201 Created\r\n");
    auto ok = received.find("HTTP/1.1 200 OK\r\n");
    REQUIRE(received.starts_with("HTTP/1.1 102 Processing\r\n"));
    REQUIRE(created != std::string::npos);
    REQUIRE(ok != std::string::npos);
    CHECK(created < ok);
    CHECK(received.ends_with("hello"));
    CHECK(received.substr(0, created).find("Content-Length") == std::string::npos);
}

TEST_CASE("stopping the server lets a running operation finish, still sending 102s", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(1);
    loopback_server server(config_for(tree, g));

    std::atomic<bool> stopping{false};
    std::future<void> stopped;
    std::size_t interims_after_stop = 0;
    auto transcript = probe::run(copy_request(server, 5), [&](const probe::response_event& e) {
        if (stopping) {
            // Let the operation go on only after the server, already stopping, has sent more 102s.
            if (++interims_after_stop == 3) g.open();
            return;
        }
        if (e.t > 0.3) {
            stopping = true;
            stopped = std::async(std::launch::async, [&] { server.stop(); });
        }
    });
    stopped.wait();
    INFO(probe::to_text(transcript));
    REQUIRE(transcript.final_response);
    CHECK(transcript.final_response->status == 201);
    CHECK(interims_after_stop >= 3);
    CHECK(transcript.final_response->field("Connection") == "close");
    require_same_tree(tree / "src", tree / "dst");
}

TEST_CASE("a 102 that cannot be written closes the connection and stops the operation", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(1);
    auto config = config_for(tree, g);
    config.processing_after = 1ms;
    config.processing_interval = 1ms;
    config.write_timeout = 200ms;
    captured_log log;
    loopback_server server(config);

    // A client that never reads, with the smallest receive buffer; the server's send buffer is made
    // the smallest too (left alone, Linux grows it to megabytes, and 102s of 80 bytes take tens of
    // seconds to fill it). A few KiB of 102s fill both; the next 102 stalls past write_timeout.
    raw_client client(server.port(), 20s, 1);
    const auto client_port = client.socket().local_endpoint().port();
    int server_fd = -1;
    REQUIRE(eventually([&] { return (server_fd = server_end_of(server.port(), client_port)) >= 0; }));
    int smallest = 1; // the kernel raises it to its minimum
    REQUIRE(::setsockopt(server_fd, SOL_SOCKET, SO_SNDBUF, &smallest, sizeof smallest) == 0);
    client.send("COPY /src/ HTTP/1.1\r\nHost: 127.0.0.1\r\nDestination: /dst/\r\n\r\n");

    g.wait_until_holding();
    // The gate opens only through the operation's stop token: the failed write must have stopped it.
    REQUIRE(g.wait_until_stop_seen());
    CHECK(g.entries() == 1);
    // What arrived is 102s and then the end of the connection: no final response.
    const auto& received = client.read_to_end();
    CHECK(received.starts_with("HTTP/1.1 102 Processing\r\n"));
    CHECK(received.find("HTTP/1.1 201") == std::string::npos);
    CHECK(received.find("HTTP/1.1 5") == std::string::npos);
    server.stop();
    auto logged = log.text();
    INFO(logged);
    CHECK(logged.find("writing a 102 failed") != std::string::npos);
    CHECK_FALSE(has_temp_files(tree.path()));
}
