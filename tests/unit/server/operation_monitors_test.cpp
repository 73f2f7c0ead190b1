#include "server/async_operations.hpp"
#include "server/operation_monitors.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace keepdav::server;
namespace dav = keepdav::dav;
namespace http = boost::beast::http;

namespace {
std::shared_ptr<dav::operation_progress> some_progress() {
    auto p = std::make_shared<dav::operation_progress>();
    p->item_done(201, "a", false);
    p->add_bytes(1000);
    return p;
}
} // namespace

TEST_CASE("a monitor's report in JSON, running and ended", "[monitors]") {
    auto start = monitor::clock::now();
    monitor m("id-1", "ann", "COPY /a -> /b", some_progress(), true, start);
    auto running = monitor_json(m.report(start + 1500ms));
    CHECK(running == "{\"id\":\"id-1\",\"operation\":\"COPY /a -> /b\",\"state\":\"running\",\"progress\":{\"items\":1,"
                     "\"bytes\":1000,\"items_total\":null,\"bytes_total\":null},\"elapsed_s\":1.500,\"cancellable\":true,"
                     "\"cancel_requested\":false,\"status\":null,\"multistatus\":null,\"multistatus_truncated\":false}");

    auto failed = dav::error_reply(http::status::multi_status);
    failed.body = std::string("<D:multistatus \"x\"/>");
    m.finish(failed, start + 2s);
    auto report = m.report(start + 10s);
    CHECK(report.status_now == monitor_report::state::failed);
    CHECK(report.elapsed_seconds == Approx(2.0));
    CHECK(monitor_json(report).find("\"status\":207,\"multistatus\":\"<D:multistatus \\\"x\\\"/>\"") != std::string::npos);
}

TEST_CASE("a monitor's states: done, failed, cancelled - a MOVE is not cancellable", "[monitors]") {
    auto now = monitor::clock::now();
    monitor done("d", "", "DELETE /x", some_progress(), true, now);
    done.finish(dav::empty_reply(http::status::no_content), now);
    CHECK(done.report(now).status_now == monitor_report::state::done);
    CHECK(done.cancel() == monitor::cancel_outcome::already_ended);

    monitor refused("f", "", "COPY /x -> /y", some_progress(), true, now);
    refused.finish(dav::error_reply(http::status::insufficient_storage), now);
    CHECK(refused.report(now).status_now == monitor_report::state::failed);

    monitor cancelled("c", "", "COPY /x -> /y", some_progress(), true, now);
    CHECK(cancelled.cancel() == monitor::cancel_outcome::requested);
    CHECK(cancelled.stop_token().stop_requested());
    CHECK(cancelled.report(now).status_now == monitor_report::state::running); // until it stops
    cancelled.finish(dav::empty_reply(http::status::created), now);
    CHECK(cancelled.report(now).status_now == monitor_report::state::cancelled);

    monitor move("m", "", "MOVE /x -> /y", some_progress(), false, now);
    CHECK(move.cancel() == monitor::cancel_outcome::not_cancellable);
    CHECK_FALSE(move.stop_token().stop_requested());
}

TEST_CASE("monitors: each for its owner alone, forgotten after their keep time, idle when none runs", "[monitors]") {
    operation_monitors monitors(50ms);
    auto m = monitors.open("ann", "COPY /a -> /b", some_progress(), true);
    CHECK(m->id().size() == 36);
    CHECK(monitors.open("ann", "COPY /a -> /c", some_progress(), true)->id() != m->id());
    CHECK(monitors.find(m->id(), "ann") == m);
    CHECK(monitors.find(m->id(), "bob") == nullptr);
    CHECK(monitors.find(m->id(), "") == nullptr);
    CHECK(monitors.find("nonsense", "ann") == nullptr);
    CHECK(monitors.running() == 2);
    CHECK_FALSE(monitors.wait_until_idle(monitor::clock::now() + 1ms));

    m->finish(dav::empty_reply(http::status::created), monitor::clock::now() - 1s);
    monitors.ended(*m);
    CHECK(monitors.running() == 1);
    CHECK(monitors.find(m->id(), "ann") == nullptr); // ended a second ago, kept 50 ms

    monitors.stop_all();
    auto second = monitors.open("ann", "x", some_progress(), true);
    monitors.stop_all();
    CHECK(second->stop_token().stop_requested());
}

TEST_CASE("monitor URLs: the reserved namespace and nothing else", "[monitors]") {
    CHECK(monitor_id_of("/.keepdav-operations/abc") == std::optional<std::string>("abc"));
    CHECK(monitor_id_of("/.keepdav-operations/") == std::optional<std::string>(""));
    CHECK(monitor_id_of("/.keepdav-operations") == std::optional<std::string>(""));
    CHECK(monitor_id_of("/%2Ekeepdav-operations/abc") == std::optional<std::string>("abc"));
    CHECK_FALSE(monitor_id_of("/.keepdav-operationsX/abc"));
    CHECK_FALSE(monitor_id_of("/dir/.keepdav-operations/abc"));
    CHECK_FALSE(monitor_id_of("/"));
}

TEST_CASE("serve_monitor: methods, owners, cancel", "[monitors]") {
    operation_monitors monitors(1h);
    auto m = monitors.open("ann", "COPY /a -> /b", some_progress(), true);
    CHECK(serve_monitor(http::verb::get, m->id(), "ann", monitors).status == http::status::ok);
    CHECK(serve_monitor(http::verb::get, m->id(), "bob", monitors).status == http::status::not_found);
    CHECK(serve_monitor(http::verb::get, "", "ann", monitors).status == http::status::not_found);
    auto put = serve_monitor(http::verb::put, m->id(), "ann", monitors);
    CHECK(put.status == http::status::method_not_allowed);
    CHECK(put.fields[http::field::allow] == "GET, HEAD, DELETE, OPTIONS");
    CHECK(serve_monitor(http::verb::delete_, m->id(), "bob", monitors).status == http::status::not_found);
    CHECK_FALSE(m->stop_token().stop_requested());
    CHECK(serve_monitor(http::verb::delete_, m->id(), "ann", monitors).status == http::status::accepted);
    CHECK(m->stop_token().stop_requested());
    m->finish(dav::empty_reply(http::status::created), monitor::clock::now());
    monitors.ended(*m);
    CHECK(serve_monitor(http::verb::delete_, m->id(), "ann", monitors).status == http::status::no_content);
    CHECK(serve_monitor(http::verb::get, m->id(), "ann", monitors).status == http::status::not_found);
}
