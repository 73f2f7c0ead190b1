#include "dav/resumable.hpp"

#include <catch2/catch.hpp>

using namespace keepdav;
using namespace keepdav::dav::resumable;
using keepdav::http_util::upload_fields;
namespace http = boost::beast::http;

namespace {
upload_fields fields(std::optional<bool> complete, std::optional<std::uint64_t> offset = {}, std::optional<std::uint64_t> length = {}) {
    return {complete, offset, length, std::nullopt};
}
unsigned status(const plan& p) { return p.answer ? static_cast<unsigned>(p.answer->status) : 0; }
const limits no_limits{std::nullopt, 3600};
} // namespace

TEST_CASE("Creation: the length comes from Upload-Length or from a complete body, and must agree", "[dav][resumable]") {
    auto p = plan_creation(fields(true), 10, no_limits);
    CHECK_FALSE(p.answer);
    CHECK(p.completes);
    CHECK(p.length == 10u);
    CHECK(p.body_limit == 10u);
    p = plan_creation(fields(false, {}, 100), 10, no_limits);
    CHECK_FALSE(p.completes);
    CHECK(p.length == 100u);
    CHECK(status(plan_creation(fields(true, {}, 11), 10, no_limits)) == 400);
    p = plan_creation(fields(false), std::nullopt, no_limits); // chunked, length unknown
    CHECK(p.body_limit == UINT64_MAX);
}

TEST_CASE("Creation beyond --max-put-size is 413 with Upload-Limit", "[dav][resumable]") {
    limits l{1000, 60};
    auto p = plan_creation(fields(false, {}, 1001), 10, l);
    REQUIRE(status(p) == 413);
    CHECK(p.answer->fields["Upload-Limit"] == "max-size=1000, max-age=60");
    CHECK(plan_creation(fields(false), std::nullopt, l).body_limit == 1000u);
}

TEST_CASE("Offset retrieval reports the state, uncached", "[dav][resumable]") {
    auto p = plan_on_resource(http::verb::head, {}, "", 0, false, {25, false, 100}, no_limits);
    REQUIRE(status(p) == 204);
    CHECK(p.answer->fields["Upload-Offset"] == "25");
    CHECK(p.answer->fields["Upload-Complete"] == "?0");
    CHECK(p.answer->fields["Upload-Length"] == "100");
    CHECK(p.answer->fields["Upload-Limit"] == "max-age=3600");
    CHECK(p.answer->fields["Cache-Control"] == "no-store");
}

TEST_CASE("Appending: media type, offset, completeness and length are checked", "[dav][resumable]") {
    upload_state s{25, false, 100};
    const char* type = "application/partial-upload";
    CHECK(status(plan_on_resource(http::verb::patch, fields(false, 25), "text/plain", 5, true, s, no_limits)) == 415);
    CHECK(status(plan_on_resource(http::verb::patch, fields(std::nullopt, 25), type, 5, true, s, no_limits)) == 400);
    auto conflict = plan_on_resource(http::verb::patch, fields(false, 20), type, 5, true, s, no_limits);
    REQUIRE(status(conflict) == 409);
    CHECK(conflict.answer->fields["Upload-Offset"] == "25");
    CHECK(std::get<std::string>(conflict.answer->body).find("mismatching-upload-offset") != std::string::npos);
    CHECK(status(plan_on_resource(http::verb::patch, fields(false, 25), type, 80, true, s, no_limits)) == 400); // past the length
    CHECK(status(plan_on_resource(http::verb::patch, fields(true, 25), type, 70, true, s, no_limits)) == 400);  // completes short
    auto ok = plan_on_resource(http::verb::patch, fields(true, 25), type, 75, true, s, no_limits);
    CHECK_FALSE(ok.answer);
    CHECK(ok.completes);
    CHECK(ok.body_limit == 75u);
}

TEST_CASE("A completed upload takes nothing more, and DELETE cancels", "[dav][resumable]") {
    upload_state done{100, true, 100};
    const char* type = "application/partial-upload";
    CHECK(status(plan_on_resource(http::verb::patch, fields(true, 100), type, 5, true, done, no_limits)) == 400);
    CHECK(status(plan_on_resource(http::verb::patch, fields(true, 100), type, 0, false, done, no_limits)) == 410);
    auto cancel = plan_on_resource(http::verb::delete_, {}, "", 0, false, {5, false, {}}, no_limits);
    CHECK(status(cancel) == 204);
    CHECK(cancel.cancel);
    CHECK(status(plan_on_resource(http::verb::get, {}, "", 0, false, {5, false, {}}, no_limits)) == 405);
}

TEST_CASE("After an append: 201 with Location for a creation, 204 otherwise", "[dav][resumable]") {
    auto created = appended({10, false, {}}, no_limits, std::string("http://h/.keepdav-uploads/x"));
    CHECK(created.status == http::status::created);
    CHECK(created.fields["Location"] == "http://h/.keepdav-uploads/x");
    CHECK(created.fields["Upload-Offset"] == "10");
    CHECK(appended({10, false, {}}, no_limits, std::nullopt).status == http::status::no_content);
    CHECK(check_complete({10, false, 12}));
    CHECK_FALSE(check_complete({12, false, 12}));
}
