#include <keepdav/probe.hpp>

#include <catch2/catch.hpp>

using namespace keepdav::probe;

TEST_CASE("a monitor's JSON is read back", "[probe]") {
    auto r = parse_operation_report(
        R"({"id":"x","operation":"COPY /a -> /b","state":"failed","progress":{"items":3,"bytes":2048,"items_total":4,)"
        R"("bytes_total":4096},"elapsed_s":1.250,"cancellable":true,"cancel_requested":false,"status":207,)"
        R"("multistatus":"<m/>","multistatus_truncated":false})");
    REQUIRE(r);
    CHECK(r->state == "failed");
    CHECK(r->operation == "COPY /a -> /b");
    CHECK(r->items == 3);
    CHECK(r->bytes_total == 4096);
    CHECK(r->elapsed == Approx(1.25));
    CHECK(r->status == 207u);
    CHECK(r->multistatus == "<m/>");

    auto running = parse_operation_report(R"({"state":"running","progress":{"items":1,"bytes":0,"items_total":null,"bytes_total":null},"status":null})");
    REQUIRE(running);
    CHECK(running->items_total == 0);
    CHECK_FALSE(running->status);

    CHECK_FALSE(parse_operation_report("not json"));
    CHECK_FALSE(parse_operation_report("[1,2]"));
    CHECK_FALSE(parse_operation_report(R"({"progress":{}})"));
}

TEST_CASE("the progress line: bar and percent by bytes, else items - time left while running", "[probe]") {
    operation_report r;
    r.state = "running";
    r.items = 10;
    r.items_total = 40;
    r.bytes = 1024 * 1024;
    r.bytes_total = 4 * 1024 * 1024;
    r.elapsed = 3;
    CHECK(progress_line(r) == "[#####...............]  25% 10/40 items, 1.0 MiB/4.0 MiB, 3.0s, about 9s left");

    r.bytes_total = 0;
    r.items = 30;
    CHECK(progress_line(r) == "[###############.....]  75% 30/40 items, 1.0 MiB, 3.0s, about 1s left");

    r.items_total = 0;
    CHECK(progress_line(r) == "[ totals not known ] 30 items, 1.0 MiB, 3.0s");

    r.state = "done";
    r.status = 201;
    r.items_total = 30;
    CHECK(progress_line(r) == "[####################] 100% 30/30 items, 1.0 MiB, 3.0s, done (201)");
}
