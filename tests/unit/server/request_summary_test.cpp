#include "server/request_summary.hpp"

#include <catch2/catch.hpp>

using keepdav::server::access_line;
using keepdav::server::request_summary;
using keepdav::server::transcript_json;

namespace {

request_summary copy_request() {
    request_summary r;
    r.received = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'010'396'123)); // 2025-11-24T18:53:16.123Z
    r.peer = "127.0.0.1";
    r.method = "COPY";
    r.target = "/big/";
    r.user_agent = "curl/7.88.1";
    r.user = "alice";
    r.interims = {{0.2, 102}, {0.4, 102}};
    r.status = 201;
    r.delivered = true;
    r.seconds = 1.8134;
    return r;
}

} // namespace

TEST_CASE("the access line is Combined Log Format with the 1xx count and the time", "[server][summary]") {
    CHECK(access_line(copy_request(), 1764010397) ==
          R"(127.0.0.1 - alice [24/Nov/2025:18:53:17 +0000] "COPY /big/ HTTP/1.1" 201 0 "-" "curl/7.88.1" interim=2 time=1.813)");
}

TEST_CASE("the access line marks missing fields with -, escapes quotes and says why a write failed", "[server][summary]") {
    auto r = copy_request();
    r.user.clear();
    r.user_agent = "say \"hi\"\x01";
    r.version = 10;
    r.write_error = "Broken pipe";
    CHECK(access_line(r, 1764010397) ==
          R"(127.0.0.1 - - [24/Nov/2025:18:53:17 +0000] "COPY /big/ HTTP/1.0" 201 0 "-" "say \"hi\"" interim=2 time=1.813 write-error="Broken pipe")");
}

TEST_CASE("the transcript line records interims, the final status and the timings", "[server][summary]") {
    CHECK(transcript_json(copy_request()) ==
          R"({"time":"2025-11-24T18:53:16.123Z","remote":"127.0.0.1","method":"COPY","target":"/big/","http_version":"1.1",)"
          R"("user_agent":"curl/7.88.1","interim":[{"t":0.200,"status":102},{"t":0.400,"status":102}],"status":201,)"
          R"("client_gone":false,"timings":{"first_interim_s":0.200,"final_s":1.813,"total_s":1.813}})");
}

TEST_CASE("a request without a delivered final response has status null", "[server][summary]") {
    auto r = copy_request();
    r.delivered = false;
    r.client_gone = true;
    r.interims.clear();
    auto line = transcript_json(r);
    CHECK(line.find(R"("status":null,"client_gone":true)") != std::string::npos);
    CHECK(line.find(R"("first_interim_s":null,"final_s":null)") != std::string::npos);
}

TEST_CASE("the access line escapes the user name the client chose: no spaces, quotes or line breaks", "[server][summary]") {
    auto r = copy_request();
    r.user = "x\" y\n2026-01-01 info: \xc3\xa9";
    CHECK(access_line(r, 1764010397).starts_with(R"(127.0.0.1 - x\x22\x20y\x0a2026-01-01\x20info:\x20\xc3\xa9 [24/Nov/2025)"));
}
