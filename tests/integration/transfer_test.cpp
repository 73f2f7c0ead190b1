// Large bodies over a real socket: sendfile(2) for big files on plain TCP must deliver every byte,
// honour ranges, and leave a kept-alive connection in step.
#include "support/loopback_server.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <random>

using keepdav::test::loopback_server;
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

    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
    net::write(socket, net::buffer(std::string("GET /a.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                                               "GET /b.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    std::string received;
    char chunk[65536];
    boost::system::error_code ec;
    while (!ec) received.append(chunk, socket.read_some(net::buffer(chunk), ec));
    auto first_body = received.find("\r\n\r\n") + 4;
    REQUIRE(received.compare(first_body, a.size(), a) == 0);
    auto second = received.find("HTTP/1.1 200 OK\r\n", first_body + a.size());
    REQUIRE(second == first_body + a.size());
    auto second_body = received.find("\r\n\r\n", second) + 4;
    CHECK(received.size() - second_body == b.size());
    CHECK(received.compare(second_body, b.size(), b) == 0);
}
