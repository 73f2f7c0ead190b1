#include "fs/upload_store.hpp"

#include "fs/io.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

using namespace keepdav::fs;

namespace {
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        char name[] = "/tmp/keepdav-uploads-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};
} // namespace

TEST_CASE("An upload record reads back as written", "[fs][upload]") {
    upload_record r{"", "alice", "/docs/a%20b.txt", {{"Host", "h:1"}, {"If-Match", "\"x\""}}, 42, false};
    auto back = upload_store::decode(upload_store::encode(r));
    REQUIRE(back);
    CHECK(*back == r);
    CHECK_FALSE(upload_store::decode("keepdav-upload 1\nowner a\n")); // no target
    CHECK_FALSE(upload_store::decode("something else\ntarget /a\n"));
    CHECK_FALSE(upload_store::decode("keepdav-upload 1\ntarget /a")); // cut short
}

TEST_CASE("Uploads are kept, appended to, completed, and forgotten", "[fs][upload]") {
    temp_dir dir;
    auto expiry = std::chrono::seconds(60);
    upload_store store(dir.path, expiry);
    auto made = store.create({"", "", "/a", {}, std::nullopt, false});
    REQUIRE(made.has_value());
    CHECK(is_upload_id(made->id));
    CHECK(*store.offset(made->id) == 0);
    {
        auto fd = store.open_data(made->id, true);
        REQUIRE(fd.has_value());
        REQUIRE_FALSE(write_all(fd->get(), "hello", 5));
    }
    CHECK(*store.offset(made->id) == 5);
    // A restart: a second store on the same directory finds it.
    upload_store again(dir.path, expiry);
    auto found = again.find(made->id);
    REQUIRE(found);
    CHECK(found->target == "/a");
    CHECK(again.seconds_left(made->id) > 50);
    REQUIRE_FALSE(again.mark_complete(*found));
    CHECK(again.find(made->id)->complete);
    CHECK(again.find(made->id)->length == 5u);
    CHECK_FALSE(again.find("../../etc/passwd"));
    // Expired: forgotten on sight, and by the sweep.
    auto later = upload_store::clock::now() + std::chrono::seconds(61);
    CHECK_FALSE(again.find(made->id, later));
    auto other = again.create({"", "", "/b", {}, std::nullopt, false});
    REQUIRE(other.has_value());
    CHECK(again.sweep(later) == 1);
    CHECK_FALSE(again.find(other->id));
}
