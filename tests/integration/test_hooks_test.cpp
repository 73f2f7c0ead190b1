// --test-hooks and --transcript over a real loopback socket: each Keepdav-* header does what the
// README promises, HTTP/1.0 still gets no 1xx, and the transcript records what each client saw.
#include "support/loopback_server.hpp"
#include "support/poll.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace std::chrono_literals;
using keepdav::test::eventually;
using keepdav::test::loopback_server;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;

namespace {

struct hooked_server {
    temp_tree tree;
    std::filesystem::path transcript = tree / "transcript.jsonl";
    loopback_server server{[this] {
        tree.write("share/a.txt", "hello");
        keepdav::server_config c;
        c.root = tree / "share";
        c.test_hooks = true;
        c.transcript = transcript;
        return c;
    }()};

    probe::transcript get(std::vector<probe::header> headers, double read_timeout = 10, unsigned version = 11) {
        probe::request req;
        req.url = server.url("/a.txt");
        req.headers = std::move(headers);
        req.read_timeout = read_timeout;
        req.http_version = version;
        return probe::run(req);
    }

    /** The transcript's lines, once the server has written at least `n` of them (it flushes per request). */
    std::vector<std::string> lines(std::size_t n) {
        std::vector<std::string> out;
        eventually([&] {
            out.clear();
            std::ifstream in(transcript);
            for (std::string line; std::getline(in, line);) out.push_back(line);
            return out.size() >= n;
        });
        return out;
    }
};

std::vector<unsigned> statuses(const probe::transcript& t) {
    std::vector<unsigned> out;
    for (const auto& e : t.interim) out.push_back(e.status);
    return out;
}

} // namespace

TEST_CASE("Keepdav-Delay holds a GET, with 102s at the requested interval, then answers it", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Delay", "0.6"}, {"Keepdav-Interim-Interval", "0.1"}});
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 200);
    CHECK(t.body == "hello");
    CHECK(t.total >= 0.6);
    CHECK(t.interim.size() >= 4);
    CHECK(t.longest_silence < 0.3);
    for (std::size_t i = 1; i < t.interim.size(); ++i) CHECK(t.interim[i].t - t.interim[i - 1].t > 0.05);
}

TEST_CASE("Keepdav-Interim-Count sends exactly that many 102s", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Interim-Count", "3"}, {"Keepdav-Interim-Interval", "0.05"}});
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(statuses(t) == std::vector<unsigned>{102, 102, 102});
}

TEST_CASE("Keepdav-Interim-Status makes the periodic interims any 1xx, and the transcript records them", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Interim-Count", "2"}, {"Keepdav-Interim-Interval", "0.05"}, {"Keepdav-Interim-Status", "104"}});
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 200);
    CHECK(statuses(t) == std::vector<unsigned>{104, 104});
    CHECK(t.interim[0].reason == "Upload Resumption Supported");
    auto lines = s.lines(1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("\"status\":104},{\"t\":") != std::string::npos);
    auto refused = s.get({{"Keepdav-Interim-Count", "1"}, {"Keepdav-Interim-Status", "101"}});
    REQUIRE(refused.final_response);
    CHECK(refused.final_response->status == 400);
}

TEST_CASE("an unasked 100 first, a 103 among the 102s, Status-URI on request", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Interim-Count", "4"},
                    {"Keepdav-Interim-Interval", "0.05"},
                    {"Keepdav-Unasked-Continue", "on"},
                    {"Keepdav-Early-Hints", "on"},
                    {"Keepdav-Interim-Status-URI", "on"}});
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 200);
    CHECK(statuses(t) == std::vector<unsigned>{100, 102, 103, 102, 102});
    CHECK(t.interim[2].reason == "Early Hints");
    CHECK_FALSE(t.interim[2].field("Link").empty());
    CHECK(t.interim[1].field("Status-URI") == "200 <" + s.server.url("/a.txt") + ">");
    CHECK_FALSE(t.interim[1].field("Keepdav-Progress").empty());
}

TEST_CASE("Keepdav-Silent sends no 1xx: the client's own timeout fires, and the transcript says it left",
          "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Delay", "3"}, {"Keepdav-Silent", "on"}}, 0.3);
    INFO(probe::to_text(t));
    CHECK(t.timed_out);
    CHECK(t.interim.empty());
    CHECK_FALSE(t.final_response);
    s.server.stop(); // waits until the server has seen the client go
    auto lines = s.lines(1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("\"status\":null") != std::string::npos);
    CHECK(lines[0].find("\"client_gone\":true") != std::string::npos);
    CHECK(lines[0].find("\"interim\":[]") != std::string::npos);
}

TEST_CASE("Keepdav-Close-After drops the connection mid-wait, with no final response", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Close-After", "0.35"}, {"Keepdav-Interim-Interval", "0.1"}});
    INFO(probe::to_text(t));
    CHECK_FALSE(t.final_response);
    CHECK_FALSE(t.timed_out);
    CHECK(t.interim.size() >= 2);
    auto lines = s.lines(1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("\"status\":null") != std::string::npos);
    CHECK(lines[0].find("\"client_gone\":false") != std::string::npos);
}

TEST_CASE("HTTP/1.0 gets no 1xx of any kind, hooks or not", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Delay", "0.3"},
                    {"Keepdav-Interim-Interval", "0.05"},
                    {"Keepdav-Unasked-Continue", "on"},
                    {"Keepdav-Early-Hints", "on"}},
                   10, 10);
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 200);
    CHECK(t.interim.empty());
}

TEST_CASE("without --test-hooks the Keepdav-* headers are ignored", "[integration][hooks]") {
    temp_tree tree;
    tree.write("a.txt", "plain");
    keepdav::server_config c;
    c.root = tree.path();
    loopback_server server(c);
    probe::request req;
    req.url = server.url("/a.txt");
    req.headers = {{"Keepdav-Delay", "30"}, {"Keepdav-Unasked-Continue", "on"}};
    req.read_timeout = 5;
    auto t = probe::run(req);
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 200);
    CHECK(t.interim.empty());
    CHECK(t.total < 5);
}

TEST_CASE("a held PUT stores its body only when the hold ends", "[integration][hooks]") {
    hooked_server s;
    probe::request req;
    req.method = "PUT";
    req.url = s.server.url("/new.txt");
    req.body = "held body";
    req.headers = {{"Keepdav-Delay", "0.3"}, {"Keepdav-Interim-Interval", "0.1"}};
    auto t = probe::run(req);
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 201);
    CHECK_FALSE(t.interim.empty());
    CHECK(s.tree.read("share/new.txt") == "held body");
}

TEST_CASE("a malformed hook value is a 400 that names the header", "[integration][hooks]") {
    hooked_server s;
    auto t = s.get({{"Keepdav-Delay", "soon"}});
    REQUIRE(t.final_response);
    CHECK(t.final_response->status == 400);
    CHECK(t.body.find("Keepdav-Delay") != std::string::npos);
}

TEST_CASE("the transcript has one line per request, with every interim and the final status", "[integration][hooks]") {
    hooked_server s;
    s.get({{"Keepdav-Interim-Count", "2"}, {"Keepdav-Interim-Interval", "0.05"}});
    s.get({});
    auto lines = s.lines(2);
    REQUIRE(lines.size() == 2);
    // A line is written when the server finishes a request, which may come after the client has
    // moved on to the next one: find each by what it says, not by its place.
    auto held = lines[0].find("\"interim\":[]") == std::string::npos ? lines[0] : lines[1];
    auto plain = held == lines[0] ? lines[1] : lines[0];
    CHECK(held.find("\"method\":\"GET\"") != std::string::npos);
    CHECK(held.find("\"target\":\"/a.txt\"") != std::string::npos);
    CHECK(held.find("\"user_agent\":\"keepdav-probe\"") != std::string::npos);
    CHECK(held.find("\"status\":102},{\"t\":") != std::string::npos);
    CHECK(held.find("\"status\":200,\"client_gone\":false") != std::string::npos);
    CHECK(plain.find("\"interim\":[]") != std::string::npos);
    CHECK(plain.find("\"status\":200") != std::string::npos);
}
