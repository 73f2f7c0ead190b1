// Entity tags: strong, and different whenever the file is replaced, resized or modified.
#include "http/etag.hpp"

#include <catch2/catch.hpp>

using keepdav::http_util::etag_for;

TEST_CASE("an ETag is strong and changes with inode, size and modification time", "[unit][http]") {
    timespec t{1'700'000'000, 5};
    auto tag = etag_for(0x10, 3, t);
    CHECK(tag.front() == '"');
    CHECK(tag.back() == '"');
    CHECK(tag == etag_for(0x10, 3, t));
    CHECK(tag != etag_for(0x11, 3, t));
    CHECK(tag != etag_for(0x10, 4, t));
    CHECK(tag != etag_for(0x10, 3, timespec{1'700'000'000, 6})); // rewritten within the same second
}
