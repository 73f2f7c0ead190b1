// Large bodies over a real socket: sendfile(2) for big files on plain TCP must deliver every byte,
// honour ranges, and leave a kept-alive connection in step.
#include "support/loopback_server.hpp"
#include "support/poll.hpp"
#include "support/raw_client.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

using keepdav::test::eventually;
using keepdav::test::loopback_server;
using keepdav::test::raw_client;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;

namespace {

std::string random_bytes(std::size_t n) {
    std::mt19937_64 random(42);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(random());
    return out;
}

} // namespace

TEST_CASE("a large GET arrives whole, and a range of it exactly", "[integration][transfer]") {
    temp_tree tree;
    auto content = random_bytes(6 << 20);
    tree.write("big.bin", content);
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);

    probe::request get;
    get.url = server.url("/big.bin");
    get.keep_body_bytes = 8 << 20;
    auto whole = probe::run(get);
    REQUIRE(whole.final_response);
    CHECK(whole.final_response->status == 200);
    CHECK(whole.body_bytes == content.size());
    CHECK(whole.body == content);

    get.headers = {{"Range", "bytes=1000000-4999999"}};
    auto part = probe::run(get);
    REQUIRE(part.final_response);
    CHECK(part.final_response->status == 206);
    CHECK(part.final_response->field("Content-Range") == "bytes 1000000-4999999/6291456");
    CHECK(part.body == content.substr(1000000, 4000000));
}

TEST_CASE("two large bodies back to back on one kept-alive connection", "[integration][transfer]") {
    temp_tree tree;
    auto a = random_bytes(300000), b = random_bytes(700000);
    tree.write("a.bin", a);
    tree.write("b.bin", b);
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);

    raw_client client(server.port());
    client.send("GET /a.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /b.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string received = client.read_to_end();
    auto first_body = received.find("\r\n\r\n") + 4;
    REQUIRE(received.compare(first_body, a.size(), a) == 0);
    auto second = received.find("HTTP/1.1 200 OK\r\n", first_body + a.size());
    REQUIRE(second == first_body + a.size());
    auto second_body = received.find("\r\n\r\n", second) + 4;
    CHECK(received.size() - second_body == b.size());
    CHECK(received.compare(second_body, b.size(), b) == 0);
}

namespace {

/** Sends `bytes` on a fresh connection to the server and reads until the server closes it. */
std::string exchange(std::uint16_t port, const std::string& bytes) {
    raw_client client(port);
    client.send(bytes);
    return client.read_to_end();
}

/** The descriptors of this process that name `path`, deleted or not. */
std::size_t open_descriptors_on(const std::filesystem::path& path) {
    std::size_t n = 0;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        auto target = std::filesystem::read_symlink(fd.path(), ec).string();
        if (!ec && target.starts_with(path.string())) ++n;
    }
    return n;
}

} // namespace

TEST_CASE("a PUT of declared length lands whole, and the request pipelined behind it is answered",
          "[integration][transfer]") {
    temp_tree tree;
    tree.write("other.txt", "next request");
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    // Large enough for many direct reads; sent with the header and the next request in one go, so the
    // first read holds body bytes and the last must stop where the body ends.
    auto content = random_bytes(3 * 1024 * 1024 + 17);
    auto received = exchange(server.port(), "PUT /up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                                std::to_string(content.size()) + "\r\n\r\n" + content +
                                                "GET /other.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(received.starts_with("HTTP/1.1 201 Created\r\n"));
    CHECK(received.ends_with("\r\n\r\nnext request"));
    CHECK(tree.read("up.bin") == content);
}

TEST_CASE("a chunked PUT lands whole", "[integration][transfer]") {
    temp_tree tree;
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    auto content = random_bytes(200000);
    std::string body;
    for (std::size_t at = 0; at < content.size(); at += 70000) {
        auto piece = content.substr(at, 70000);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        body += size + piece + "\r\n";
    }
    body += "0\r\n\r\n";
    auto received = exchange(server.port(), "PUT /chunked.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                            "Connection: close\r\n\r\n" + body);
    CHECK(received.starts_with("HTTP/1.1 201 Created\r\n"));
    CHECK(tree.read("chunked.bin") == content);
}

TEST_CASE("a chunked PUT with X-Expected-Entity-Length lands only when its body has that length",
          "[integration][transfer]") {
    temp_tree tree;
    tree.write("finder.txt", "old content");
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    // macOS Finder sends files chunked and names their size here; a body it cuts short still ends
    // with a well-formed last chunk, so this header is the only sign of the loss.
    auto put = [&](const std::string& path, const std::string& chunks) {
        return exchange(server.port(), "PUT " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                       "X-Expected-Entity-Length: 10\r\nConnection: close\r\n\r\n" + chunks + "0\r\n\r\n");
    };
    CHECK(put("/finder.txt", "5\r\nnewer\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(tree.read("finder.txt") == "old content");
    CHECK(put("/fresh.txt", "5\r\nnewer\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK_FALSE(tree.exists("fresh.txt"));

    CHECK(put("/finder.txt", "5\r\nnewer\r\n5\r\n text\r\n").starts_with("HTTP/1.1 204 No Content\r\n"));
    CHECK(tree.read("finder.txt") == "newer text");
    CHECK(put("/fresh.txt", "a\r\nten bytes!\r\n").starts_with("HTTP/1.1 201 Created\r\n"));
    CHECK(tree.read("fresh.txt") == "ten bytes!");
}

TEST_CASE("a GET serves the file as it is now, however it changed on disk since the last GET",
          "[integration][transfer]") {
    temp_tree tree;
    tree.write("f.txt", "first version");
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    probe::request get;
    get.url = server.url("/f.txt");
    auto body_now = [&] {
        auto r = probe::run(get);
        REQUIRE(r.final_response);
        return std::to_string(r.final_response->status) + " " + r.body;
    };
    CHECK(body_now() == "200 first version");
    // Rewritten in place: the same inode, another length.
    { std::ofstream(tree / "f.txt", std::ios::trunc) << "second, longer version"; }
    CHECK(body_now() == "200 second, longer version");
    // Replaced by another file, as editors save.
    tree.write("f.tmp", "third");
    std::filesystem::rename(tree / "f.tmp", tree / "f.txt");
    CHECK(body_now() == "200 third");
    // Made a symlink to a file outside the root.
    temp_tree outside;
    outside.write("secret", "outside the root");
    std::filesystem::remove(tree / "f.txt");
    std::filesystem::create_symlink(outside / "secret", tree / "f.txt");
    CHECK(body_now().starts_with("403"));
    std::filesystem::remove(tree / "f.txt");
    CHECK(body_now().starts_with("404"));
}

TEST_CASE("a file deleted through DELETE is not kept open by the server", "[integration][transfer]") {
    temp_tree tree;
    tree.write("gone.bin", random_bytes(100000));
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    probe::request req;
    req.url = server.url("/gone.bin");
    for (int i = 0; i < 3; ++i) CHECK(probe::run(req).final_response->status == 200);
    req.method = "DELETE";
    CHECK(probe::run(req).final_response->status == 204);
    // The I/O threads drop what they kept within a quarter of a second of the DELETE, well before the
    // one second an unused entry may otherwise live.
    CHECK(eventually([&] { return open_descriptors_on(tree / "gone.bin") == 0; }, std::chrono::milliseconds(800)));
}
