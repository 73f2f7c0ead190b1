#include "http/upload_fields.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::http_util;

TEST_CASE("Upload-Complete is an sf-boolean, anything else is ignored", "[http][upload]") {
    CHECK(sf_boolean("?1") == true);
    CHECK(sf_boolean("?0") == false);
    CHECK(sf_boolean(" ?1 ") == true);
    CHECK(sf_boolean("?1;x=2") == true);
    CHECK_FALSE(sf_boolean("1"));
    CHECK_FALSE(sf_boolean("true"));
    CHECK_FALSE(sf_boolean("?2"));
    CHECK_FALSE(sf_boolean(""));
}

TEST_CASE("Upload-Offset and Upload-Length are non-negative sf-integers of at most 15 digits", "[http][upload]") {
    CHECK(sf_count("0") == 0u);
    CHECK(sf_count("123456789") == 123456789u);
    CHECK(sf_count("999999999999999") == 999999999999999u);
    CHECK_FALSE(sf_count("1000000000000000"));
    CHECK_FALSE(sf_count("-1"));
    CHECK_FALSE(sf_count("1.5"));
    CHECK_FALSE(sf_count("+1"));
    CHECK_FALSE(sf_count(""));
    CHECK_FALSE(sf_count("12a"));
}

TEST_CASE("A repeated or malformed upload field counts as absent", "[http][upload]") {
    boost::beast::http::fields f;
    f.insert("Upload-Complete", "?0");
    f.insert("Upload-Offset", "5");
    f.insert("Upload-Offset", "5");
    f.insert("Upload-Length", "x");
    f.insert("Upload-Draft-Interop-Version", "8");
    auto u = upload_fields_of(f);
    CHECK(u.complete == false);
    CHECK_FALSE(u.offset);
    CHECK_FALSE(u.length);
    CHECK(u.interop == 8u);
}

TEST_CASE("Upload-Limit lists the limits that apply", "[http][upload]") {
    CHECK(upload_limit_value(1000, 3600) == "max-size=1000, max-age=3600");
    CHECK(upload_limit_value(std::nullopt, 60) == "max-age=60");
    CHECK(upload_limit_value(std::nullopt, std::nullopt).empty());
    CHECK(is_partial_upload("application/partial-upload"));
    CHECK(is_partial_upload("Application/Partial-Upload; x=1"));
    CHECK_FALSE(is_partial_upload("application/octet-stream"));
}
