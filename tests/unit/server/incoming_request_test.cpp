// incoming_request and async_read_body over one end of a socket pair: the body goes where the request
// was set up for, a 100 goes out first only when the client waits for one, and a declared length over
// the limit is refused before a byte of the body is read.
#include "server/incoming_request.hpp"

#include "support/temp_tree.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace {

using namespace keepdav;
using local_stream = beast::basic_stream<net::local::stream_protocol>;

struct pair_fixture {
    net::io_context ioc;
    local_stream server{ioc};
    net::local::stream_protocol::socket client{ioc};
    beast::flat_buffer buffer;
    server_config config;

    pair_fixture() {
        net::local::connect_pair(server.socket(), client);
        config.max_header_bytes = 4096;
    }

    /** Sends `bytes` as the client, then reads a header into `in`. */
    void send_header(server::incoming_request& in, const std::string& bytes) {
        net::write(client, net::buffer(bytes));
        boost::system::error_code got = net::error::would_block;
        server::async_read_request_part(server, buffer, in.start(config.max_header_bytes), true, server::read_limits::of(config),
                                        [&](boost::system::error_code ec) { got = ec; });
        ioc.run_for(std::chrono::seconds(5));
        ioc.restart();
        REQUIRE_FALSE(got);
    }

    boost::system::error_code read_body(server::incoming_request& in) {
        boost::system::error_code got = net::error::would_block;
        server::async_read_body(server, buffer, in, config, [&](boost::system::error_code ec) { got = ec; });
        ioc.run_for(std::chrono::seconds(5));
        ioc.restart();
        return got;
    }

    /** What the server wrote to the client so far. */
    std::string client_received() {
        std::string out(4096, '\0');
        client.non_blocking(true);
        boost::system::error_code ec;
        auto n = client.read_some(net::buffer(out), ec);
        out.resize(ec ? 0 : n);
        return out;
    }
};

} // namespace

TEST_CASE("an XML body is read into memory, with no 100 when the client does not wait for one", "[server][incoming]") {
    pair_fixture f;
    server::incoming_request in;
    f.send_header(in, "PROPFIND /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n<a/>\n");
    REQUIRE_FALSE(in.into_memory(1024));
    CHECK_FALSE(f.read_body(in));
    CHECK(in.whole().body() == "<a/>\n");
    CHECK(in.head().method() == http::verb::propfind);
    CHECK(f.client_received().empty());
}

TEST_CASE("Expect: 100-continue gets its 100 before the body is read (RFC 9110 §10.1.1)", "[server][incoming]") {
    pair_fixture f;
    server::incoming_request in;
    f.send_header(in, "PROPFIND /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    REQUIRE_FALSE(in.into_memory(1024));
    net::write(f.client, net::buffer(std::string("<a/>")));
    CHECK_FALSE(f.read_body(in));
    CHECK(f.client_received().rfind("HTTP/1.1 100 Continue\r\n", 0) == 0);
    CHECK(in.whole().body() == "<a/>");
}

TEST_CASE("HTTP/1.0 never gets a 100, Expect or not", "[server][incoming]") {
    pair_fixture f;
    server::incoming_request in;
    f.send_header(in, "PROPFIND /a HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n<a/>");
    REQUIRE_FALSE(in.into_memory(1024));
    CHECK_FALSE(f.read_body(in));
    CHECK(f.client_received().empty());
}

TEST_CASE("a declared length over the limit is refused with nothing read, and the header stays", "[server][incoming]") {
    pair_fixture f;
    server::incoming_request in;
    f.send_header(in, "PROPFIND /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1333333333331\r\n\r\n");
    auto declared = in.into_memory(4096);
    REQUIRE(declared);
    CHECK(*declared == 1333333333331u);
    CHECK_FALSE(in.body_done());
    CHECK(in.head().method() == http::verb::propfind);
}

TEST_CASE("a body that goes into a file arrives there whole, Content-Length or chunked", "[server][incoming]") {
    test::temp_tree tree;
    auto dir = ::open(tree.path().c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    REQUIRE(dir >= 0);
    for (auto framing : {std::string("Content-Length: 11\r\n\r\nhello there"),
                         std::string("Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n there\r\n0\r\n\r\n")}) {
        pair_fixture f;
        server::incoming_request in;
        f.send_header(in, "PUT /f HTTP/1.1\r\nHost: x\r\n" + framing);
        dav::upload u;
        u.file.emplace(std::move(fs::pending_file::create(dir, "f").value()));
        in.into_file(std::move(u), 0);
        CHECK(in.is_upload());
        REQUIRE_FALSE(f.read_body(in));
        std::string got(64, '\0');
        auto n = ::pread(in.upload->file->fd(), got.data(), got.size(), 0);
        CHECK(got.substr(0, n < 0 ? 0 : static_cast<std::size_t>(n)) == "hello there");
        CHECK(in.head().method() == http::verb::put);
        in.clear(); // discards the uncommitted file
    }
    ::close(dir);
}

TEST_CASE("a client that leaves mid-body ends the read as partial, never as a complete body", "[server][incoming]") {
    pair_fixture f;
    server::incoming_request in;
    f.send_header(in, "PROPFIND /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<a");
    REQUIRE_FALSE(in.into_memory(1024));
    f.client.close();
    CHECK(f.read_body(in) == http::error::partial_message);
}
