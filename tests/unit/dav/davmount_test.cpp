// RFC 4709's mount document, and the query that asks for it.
#include "dav/davmount.hpp"

#include <catch2/catch.hpp>
#include <pugixml.hpp>

using namespace keepdav::dav;

TEST_CASE("?davmount is the query davmount alone", "[dav][davmount]") {
    CHECK(asks_for_davmount("davmount"));
    CHECK(asks_for_davmount("davmount="));
    CHECK_FALSE(asks_for_davmount(""));
    CHECK_FALSE(asks_for_davmount("sort=name"));
    CHECK_FALSE(asks_for_davmount("davmountx"));
}

TEST_CASE("The mount document names the URL, and the member to open when asked", "[dav][davmount]") {
    pugi::xml_document doc;
    REQUIRE(doc.load_string(davmount_document("http://h:8/a%20b/").c_str()));
    auto mount = doc.child("dm:mount");
    CHECK(std::string(mount.attribute("xmlns:dm").value()) == "http://purl.org/NET/webdav/mount");
    CHECK(std::string(mount.child_value("dm:url")) == "http://h:8/a%20b/");
    CHECK(!mount.child("dm:open"));

    REQUIRE(doc.load_string(davmount_document("http://h/", "R&D <1>.txt").c_str()));
    CHECK(std::string(doc.child("dm:mount").child_value("dm:open")) == "R&D <1>.txt");
    CHECK(davmount_media_type == "application/davmount+xml");
}
