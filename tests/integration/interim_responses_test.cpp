// 102 Processing over a real loopback socket: a client with a read timeout survives an operation many
// times longer; without 102s it does not; HTTP/1.0 and denied user agents never see one; a client
// that leaves stops the operation; the connection stays usable afterwards.
#include "support/gate.hpp"
#include "support/loopback_server.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <filesystem>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using keepdav::test::gate;
using keepdav::test::loopback_server;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;

namespace {

/** A source tree of a few files in two levels. */
void make_source(const temp_tree& tree) {
    for (int i = 0; i < 4; ++i) tree.write("src/f" + std::to_string(i) + ".bin", std::string(100000 + i, char('a' + i)));
    tree.write("src/sub/deep.txt", "deep");
    tree.write("src/sub/more.txt", "more");
}

keepdav::server_config config_for(const temp_tree& tree, gate& g) {
    keepdav::server_config config;
    config.root = tree.path();
    config.processing_after = 100ms;
    config.processing_interval = 100ms;
    config.before_entry_hook = [&g](std::string_view rel, std::stop_token stop) { g.on_entry(rel, stop); };
    return config;
}

probe::request copy_request(const loopback_server& server, double read_timeout) {
    probe::request req;
    req.method = "COPY";
    req.url = server.url("/src/");
    req.headers = {{"Destination", server.url("/dst/")}};
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

TEST_CASE("HTTP/1.0 requests never get a 102", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(1);
    loopback_server server(config_for(tree, g));

    auto req = copy_request(server, 10);
    req.http_version = 10;
    auto pending = std::async(std::launch::async, [&] { return probe::run(req); });
    g.wait_until_holding();
    // The observation window: five intervals in which an HTTP/1.1 client would have had five 102s.
    std::this_thread::sleep_for(500ms);
    g.open();
    auto transcript = pending.get();
    INFO(probe::to_text(transcript));
    REQUIRE(transcript.final_response);
    CHECK(transcript.final_response->status == 201);
    CHECK(transcript.interim.empty());
}

TEST_CASE("user agents on the deny-list get no 102", "[integration][interim]") {
    temp_tree tree;
    make_source(tree);
    gate g(1);
    loopback_server server(config_for(tree, g));

    auto req = copy_request(server, 10);
    req.headers.push_back({"User-Agent", "python-requests/2.28.1"});
    auto pending = std::async(std::launch::async, [&] { return probe::run(req); });
    g.wait_until_holding();
    std::this_thread::sleep_for(500ms); // as above: five intervals' worth of silence
    g.open();
    auto transcript = pending.get();
    INFO(probe::to_text(transcript));
    REQUIRE(transcript.final_response);
    CHECK(transcript.final_response->status == 201);
    CHECK(transcript.interim.empty());
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

    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
    // Two pipelined requests: the GET waits behind the COPY, on the same connection.
    std::string requests = "COPY /src/ HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                           "\r\nDestination: /dst/\r\n\r\n"
                           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    net::write(socket, net::buffer(requests));
    g.wait_until_holding();
    std::string received;
    char chunk[4096];
    boost::system::error_code ec;
    // Read until a 102 has arrived, then let the COPY finish.
    while (received.find("HTTP/1.1 102 Processing\r\n") == std::string::npos && !ec)
        received.append(chunk, socket.read_some(net::buffer(chunk), ec));
    g.open();
    while (!ec) received.append(chunk, socket.read_some(net::buffer(chunk), ec));
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
