// Parsing the times clients set: X-OC-Mtime and the Win32* properties.
#include "dav/client_times.hpp"

#include <catch2/catch.hpp>

using namespace keepdav;
using namespace keepdav::dav;

TEST_CASE("X-OC-Mtime is Unix seconds, a fraction dropped", "[dav][mtime]") {
    CHECK(parse_oc_mtime("981173106") == 981173106);
    CHECK(parse_oc_mtime(" 0 ") == 0);
    CHECK(parse_oc_mtime("981173106.75") == 981173106);
    CHECK(parse_oc_mtime("253402300799") == 253402300799);
    for (auto bad : {"", "-1", "12x", "1.", "1.2.3", "0x10", "253402300800", "99999999999999999999", "Mon, 01 Jan 2001"})
        CHECK_FALSE(parse_oc_mtime(bad));
}

TEST_CASE("The redirector's properties are known by namespace and name", "[dav][mtime]") {
    CHECK(win32_property_of({"urn:schemas-microsoft-com:", "Win32LastModifiedTime"}) == win32_property::last_modified_time);
    CHECK(win32_property_of({"urn:schemas-microsoft-com:", "Win32LastAccessTime"}) == win32_property::last_access_time);
    CHECK(win32_property_of({"urn:schemas-microsoft-com:", "Win32CreationTime"}) == win32_property::creation_time);
    CHECK(win32_property_of({"urn:schemas-microsoft-com:", "Win32FileAttributes"}) == win32_property::file_attributes);
    CHECK(win32_property_of({"DAV:", "Win32LastModifiedTime"}) == win32_property::none);
    CHECK(win32_property_of({"urn:schemas-microsoft-com:", "Other"}) == win32_property::none);
}

TEST_CASE("A Win32 time is the element's RFC 1123 date", "[dav][mtime]") {
    CHECK(win32_time_value("<Z:Win32LastModifiedTime xmlns:Z=\"urn:schemas-microsoft-com:\">Sat, 03 Feb 2001 04:05:06 GMT"
                           "</Z:Win32LastModifiedTime>") == 981173106);
    CHECK(win32_time_value("<a> Sat, 03 Feb 2001 04:05:06 GMT\n</a>") == 981173106);
    CHECK_FALSE(win32_time_value("<a>yesterday</a>"));
    CHECK_FALSE(win32_time_value("<a></a>"));
    CHECK_FALSE(win32_time_value("<a><b>Sat, 03 Feb 2001 04:05:06 GMT</b></a>"));
    CHECK_FALSE(win32_time_value("not xml"));
}
