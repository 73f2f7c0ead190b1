// Asynchronous operations over a real loopback socket (RFC 7240 `Prefer: respond-async`): a COPY
// answered 202 at once, its monitor polled to the end, the tree identical; a cancel through the
// monitor stops the operation at its next clean point; a MOVE cannot be cancelled; without the
// preference nothing changes; monitors expire.
#include "support/gate.hpp"
#include "support/loopback_server.hpp"
#include "support/poll.hpp"
#include "support/temp_tree.hpp"

#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace std::chrono_literals;
using keepdav::test::eventually;
using keepdav::test::gate;
using keepdav::test::loopback_server;
using keepdav::test::temp_tree;
namespace probe = keepdav::probe;

namespace {

void make_source(const temp_tree& tree) {
    for (int i = 0; i < 6; ++i) tree.write("src/f" + std::to_string(i) + ".bin", std::string(50000 + i, char('a' + i)));
    tree.write("src/sub/deep.txt", "deep");
}

keepdav::server_config config_for(const temp_tree& tree, gate& g) {
    keepdav::server_config config;
    config.root = tree.path();
    config.processing_after = 100ms;
    config.processing_interval = 100ms;
    config.before_entry_hook = [&g](std::string_view rel, std::stop_token stop) { g.on_entry(rel, stop); };
    return config;
}

probe::transcript send(const std::string& method, const std::string& url, std::vector<probe::header> headers = {}) {
    probe::request req;
    req.method = method;
    req.url = url;
    req.headers = std::move(headers);
    req.read_timeout = 10;
    auto t = probe::run(req);
    INFO(probe::to_text(t));
    REQUIRE(t.final_response);
    return t;
}

/** The monitor's path from a 202's Location (absolute URL on the loopback server). */
std::string monitor_path(const probe::transcript& accepted) {
    auto location = accepted.final_response->field("Location");
    auto slash = location.find('/', location.find("//") + 2);
    REQUIRE(slash != std::string::npos);
    return location.substr(slash);
}

bool has(const std::string& json, const std::string& part) { return json.find(part) != std::string::npos; }

/** Polls a monitor until its operation has ended; its last report. */
std::string report_once_ended(const loopback_server& server, const std::string& monitor) {
    std::string report;
    REQUIRE(eventually([&] {
        report = send("GET", server.url(monitor)).body;
        return !has(report, "\"state\":\"running\"");
    }));
    return report;
}

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST_CASE("Prefer: respond-async COPY answers 202 at once and its monitor follows it to done", "[integration][async]") {
    temp_tree tree;
    make_source(tree);
    gate g(3); // the worker is held after two entries: the 202 must come while the copy still runs
    loopback_server server(config_for(tree, g));

    auto accepted = send("COPY", server.url("/src/"), {{"Destination", server.url("/dst/")}, {"Prefer", "respond-async"}});
    REQUIRE(accepted.final_response->status == 202);
    REQUIRE(accepted.interim.empty());
    REQUIRE(accepted.final_response->field("Preference-Applied") == "respond-async");
    auto location = accepted.final_response->field("Location");
    REQUIRE(location.starts_with(server.url("/.keepdav-operations/")));
    REQUIRE(has(accepted.body, "\"state\":\"running\""));
    REQUIRE(has(accepted.body, "\"operation\":\"COPY /src -> /dst\""));

    g.wait_until_holding();
    auto running = send("GET", server.url(monitor_path(accepted)));
    REQUIRE(running.final_response->status == 200);
    REQUIRE(running.final_response->field("Content-Type") == "application/json");
    REQUIRE(has(running.body, "\"state\":\"running\""));
    REQUIRE(has(running.body, "\"status\":null"));

    g.open();
    auto report = report_once_ended(server, monitor_path(accepted));
    INFO(report);
    REQUIRE(has(report, "\"state\":\"done\""));
    REQUIRE(has(report, "\"status\":201"));
    REQUIRE(has(report, "\"multistatus\":null"));
    // Totals measured before the copy began; at its end the counts reach them.
    REQUIRE(has(report, "\"progress\":{\"items\":9,\"bytes\":300019,\"items_total\":9,\"bytes_total\":300019}"));
    for (int i = 0; i < 6; ++i) {
        auto name = "f" + std::to_string(i) + ".bin";
        REQUIRE(file_text(tree.path() / "dst" / name) == file_text(tree.path() / "src" / name));
    }
    REQUIRE(file_text(tree.path() / "dst/sub/deep.txt") == "deep");

    // Forgotten on request; the namespace itself is no listing.
    REQUIRE(send("DELETE", server.url(monitor_path(accepted))).final_response->status == 204);
    REQUIRE(send("GET", server.url(monitor_path(accepted))).final_response->status == 404);
    REQUIRE(send("GET", server.url("/.keepdav-operations/")).final_response->status == 404);
}

TEST_CASE("DELETE of a monitor cancels its COPY at the next clean point", "[integration][async]") {
    temp_tree tree;
    make_source(tree);
    gate g(3);
    loopback_server server(config_for(tree, g));

    auto accepted = send("COPY", server.url("/src/"), {{"Destination", server.url("/dst/")}, {"Prefer", "respond-async"}});
    REQUIRE(accepted.final_response->status == 202);
    g.wait_until_holding();
    auto cancel = send("DELETE", server.url(monitor_path(accepted)));
    REQUIRE(cancel.final_response->status == 202);
    REQUIRE(has(cancel.body, "\"cancel_requested\":true"));
    REQUIRE(g.wait_until_stop_seen());

    auto report = report_once_ended(server, monitor_path(accepted));
    INFO(report);
    REQUIRE(has(report, "\"state\":\"cancelled\""));
    // What was copied is whole; the rest was never started.
    std::size_t copied = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(tree.path() / "dst")) {
        REQUIRE_FALSE(entry.path().filename().string().starts_with(".keepdav-tmp-"));
        if (!entry.is_regular_file()) continue;
        ++copied;
        auto source = tree.path() / "src" / std::filesystem::relative(entry.path(), tree.path() / "dst");
        REQUIRE(file_text(entry.path()) == file_text(source));
    }
    REQUIRE(copied < 7);
}

TEST_CASE("a MOVE's monitor refuses to cancel it: a MOVE is never left split", "[integration][async]") {
    temp_tree tree;
    make_source(tree);
    tree.write("dst/old.txt", "replaced"); // a collection in the way: the MOVE is an operation, not one rename
    gate g(2);
    loopback_server server(config_for(tree, g));

    auto accepted = send("MOVE", server.url("/src/"),
                         {{"Destination", server.url("/dst/")}, {"Overwrite", "T"}, {"Prefer", "respond-async"}});
    REQUIRE(accepted.final_response->status == 202);
    g.wait_until_holding();
    auto cancel = send("DELETE", server.url(monitor_path(accepted)));
    REQUIRE(cancel.final_response->status == 409);
    g.open();
    auto report = report_once_ended(server, monitor_path(accepted));
    INFO(report);
    REQUIRE(has(report, "\"state\":\"done\""));
    REQUIRE(has(report, "\"status\":204"));
    REQUIRE_FALSE(std::filesystem::exists(tree.path() / "src"));
    REQUIRE(file_text(tree.path() / "dst/sub/deep.txt") == "deep");
}

TEST_CASE("without the preference a long DELETE answers as before - monitors expire", "[integration][async]") {
    temp_tree tree;
    make_source(tree);
    tree.write("gone/a.txt", "a");
    tree.write("gone/b/c.txt", "c");
    gate g(1000); // never holds
    auto config = config_for(tree, g);
    config.monitor_keep = 200ms;
    loopback_server server(config);

    auto plain = send("DELETE", server.url("/src/"), {{"Prefer", "return=minimal"}});
    REQUIRE(plain.final_response->status == 204);
    REQUIRE(plain.final_response->field("Preference-Applied").empty());

    auto accepted = send("DELETE", server.url("/gone/"), {{"Prefer", "wait=1, respond-async"}});
    REQUIRE(accepted.final_response->status == 202);
    REQUIRE(eventually([&] { return !std::filesystem::exists(tree.path() / "gone"); }));
    // Kept for monitor_keep after the end, then gone.
    REQUIRE(eventually([&] { return send("GET", server.url(monitor_path(accepted))).final_response->status == 404; }, 5s));
}
