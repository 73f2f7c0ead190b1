// The messages the session writes, built without a socket: 1xx with their progress headers, and the
// hand-written head of a small file checked against Beast's serializer for the same reply.
#include "server/interim_message.hpp"
#include "server/response_message.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>

#include <fcntl.h>
#include <unistd.h>

using namespace keepdav;
using keepdav::server::response_framing;

namespace {

/** What Beast writes for the header of `res`. */
std::string beast_head(http::response<server::fd_range_body>& res) {
    http::response_serializer<server::fd_range_body> serializer(res);
    serializer.split(true);
    std::string out;
    boost::system::error_code ec;
    while (!serializer.is_header_done()) {
        serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
            out += beast::buffers_to_string(buffers);
            serializer.consume(beast::buffer_bytes(buffers));
        });
        REQUIRE_FALSE(ec);
    }
    return out;
}

dav::reply file_reply(std::uint64_t length) {
    dav::reply r;
    r.fields.set(http::field::content_type, "text/plain");
    r.fields.set(http::field::etag, "\"abc\"");
    r.fields.set(http::field::last_modified, "Tue, 24 Nov 2026 19:00:00 GMT");
    r.body = dav::file_range{std::make_shared<fs::unique_fd>(::open("/dev/null", O_RDONLY | O_CLOEXEC)), 0, length};
    return r;
}

} // namespace

TEST_CASE("a small file's hand-written head is what Beast would write for the same reply", "[server][messages]") {
    for (unsigned version : {11u, 10u})
        for (bool keep_alive : {true, false})
            for (auto status : {http::status::ok, http::status::partial_content}) {
                response_framing framing{version, keep_alive, false, "Wed, 25 Nov 2026 16:00:00 GMT"};
                auto reply = file_reply(4096);
                reply.status = status;
                auto ours = server::small_file_head(reply, framing, 4096);
                auto res = server::file_response(std::move(reply), framing);
                INFO("HTTP/" << version / 10 << "." << version % 10 << " keep-alive " << keep_alive);
                CHECK(ours == beast_head(res));
            }
}

TEST_CASE("a 102 carries Status-URI for what finished and the totals, in lower-case names", "[server][messages]") {
    dav::operation_progress::snapshot progress;
    progress.items = 3;
    progress.bytes = 2048;
    progress.recent = {{201, "dst/a b.txt", false}, {201, "dst/sub", true}};
    auto res = server::processing_message(progress, "http://h:8080", std::chrono::milliseconds(1500));
    CHECK(res.result_int() == 102);
    CHECK(res["status-uri"] == "201 <http://h:8080/dst/a%20b.txt> 201 <http://h:8080/dst/sub/>");
    CHECK(res["keepdav-progress"] == "items=3, bytes=2048, elapsed=1500ms");
    progress.items_total = 10;
    progress.bytes_total = 8192;
    CHECK(server::processing_message(progress, "http://h", std::chrono::milliseconds(2))["keepdav-progress"] ==
          "items=3, bytes=2048, items-total=10, bytes-total=8192, elapsed=2ms");
    CHECK(res.count(http::field::content_length) == 0);
    for (const auto& field : res) {
        std::string name(field.name_string());
        for (char c : name) CHECK_FALSE((c >= 'A' && c <= 'Z'));
    }
}

TEST_CASE("Status-URI stops before 2 KiB, whole entries only", "[server][messages]") {
    std::vector<dav::operation_progress::finished> many;
    for (int i = 0; i < 8; ++i) many.push_back({201, "dir/" + std::string(400, char('a' + i)), false});
    auto uri = server::status_uri(many, "http://h");
    CHECK(uri.size() <= server::max_status_uri_bytes);
    CHECK(uri.size() > 1500);
    CHECK(uri.back() == '>');
    CHECK(server::status_uri({}, "http://h").empty());
}

TEST_CASE("the test hooks' 103 Early Hints has a Link and no body framing", "[server][messages]") {
    auto res = server::early_hints_message();
    CHECK(res.result_int() == 103);
    CHECK(res.reason() == "Early Hints");
    CHECK_FALSE(res[http::field::link].empty());
    CHECK(res.count(http::field::content_length) == 0);
}
