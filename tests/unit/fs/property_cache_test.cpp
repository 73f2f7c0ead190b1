// The dead-property cache on a real temporary tree, with its clock in the test's hands: what it keeps,
// when it trusts it, and when it reads again.
#include "fs/property_cache.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>

using namespace keepdav;
using namespace std::chrono_literals;

namespace {

struct listed_file {
    test::temp_tree dir;
    fs::unique_fd dir_fd{::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    fs::xattr_target where{dir_fd.get(), "f.txt"};

    listed_file() { dir.write("f.txt", "content"); }
    fs::entry_info stat() const { return fs::stat_at(dir_fd.get(), "f.txt").value(); }
};

/** A clock `ahead` past the file's change time. */
fs::property_cache::clock_function clock_after(const fs::entry_info& info, std::chrono::milliseconds ahead) {
    return [changed = info.changed, ahead] {
        auto ns = std::chrono::nanoseconds(changed.tv_nsec) + ahead;
        return timespec{changed.tv_sec + static_cast<time_t>(ns.count() / 1'000'000'000),
                        static_cast<long>(ns.count() % 1'000'000'000)};
    };
}

} // namespace

TEST_CASE("a file read once, unchanged since long enough, is answered from memory", "[unit][fs][properties]") {
    listed_file f;
    REQUIRE_FALSE(fs::write_property(f.where, "{DAV:}displayname", "Holiday"));
    auto info = f.stat();
    fs::property_cache cache(1 << 20, 1000ms, clock_after(info, 5s));

    auto first = cache.read(f.where, info).value();
    REQUIRE(first.size() == 1);
    CHECK(first[0].key == "{DAV:}displayname");
    CHECK(first[0].value == "Holiday");
    CHECK(cache.misses() == 1);

    auto again = cache.read(f.where, info).value();
    CHECK(cache.hits() == 1);
    REQUIRE(again.size() == 1);
    CHECK(again[0].value == "Holiday");
}

TEST_CASE("a file with no properties is kept too, so the common case costs no call", "[unit][fs][properties]") {
    listed_file f;
    auto info = f.stat();
    fs::property_cache cache(1 << 20, 1000ms, clock_after(info, 5s));
    CHECK(cache.read(f.where, info).value().empty());
    CHECK(cache.read(f.where, info).value().empty());
    CHECK(cache.hits() == 1);
    CHECK(cache.misses() == 1);
}

TEST_CASE("a change time other than the one read with means the properties are read again", "[unit][fs][properties]") {
    listed_file f;
    auto info = f.stat();
    fs::property_cache cache(1 << 20, 1000ms, clock_after(info, 5s));
    CHECK(cache.read(f.where, info).value().empty());

    // Another node sets a property: whatever its clock's tick, the stat this test hands in says the
    // file changed (the cache relies on the file system for that, and the test on the cache's rule).
    REQUIRE_FALSE(fs::write_property(f.where, "{DAV:}displayname", "New name"));
    auto changed = info;
    changed.changed.tv_sec += 1;
    auto now = cache.read(f.where, changed).value();
    REQUIRE(now.size() == 1);
    CHECK(now[0].value == "New name");
    CHECK(cache.misses() == 2);
}

TEST_CASE("a file changed within the settle time is read and never kept, as a change in the same tick would go unseen",
          "[unit][fs][properties]") {
    listed_file f;
    auto info = f.stat();
    fs::property_cache cache(1 << 20, 1000ms, clock_after(info, 400ms));
    CHECK(cache.read(f.where, info).value().empty());
    REQUIRE_FALSE(fs::write_property(f.where, "{DAV:}displayname", "Same tick"));
    // The same change time (a coarse clock): not kept, so the new property is seen.
    auto now = cache.read(f.where, info).value();
    REQUIRE(now.size() == 1);
    CHECK(now[0].value == "Same tick");
    CHECK(cache.hits() == 0);
}

TEST_CASE("large properties are not kept, and a full cache starts over", "[unit][fs][properties]") {
    listed_file f;
    REQUIRE_FALSE(fs::write_property(f.where, "{urn:x}big", std::string(fs::property_cache::max_kept_bytes, 'b')));
    auto info = f.stat();
    fs::property_cache cache(1 << 20, 1000ms, clock_after(info, 5s));
    CHECK(cache.read(f.where, info).value().size() == 1);
    CHECK(cache.read(f.where, info).value().size() == 1);
    CHECK(cache.hits() == 0);

    // Room for 16 files with no property over 16 shards: one each; another file in the same shard clears it.
    listed_file plain;
    auto small = plain.stat();
    fs::property_cache tiny(16 * fs::property_cache::entry_overhead, 1000ms, clock_after(small, 5s));
    (void)tiny.read(plain.where, small);
    CHECK(tiny.read(plain.where, small).value().empty());
    CHECK(tiny.hits() == 1); // kept
    for (std::uint64_t other = 1; other <= 64; ++other) { // keys only: the file read is the same
        auto k = small;
        k.inode = small.inode + other;
        (void)tiny.read(plain.where, k);
    }
    (void)tiny.read(plain.where, small);
    CHECK(tiny.hits() == 1); // dropped by a later file in its shard: read again
    CHECK(tiny.misses() == 1 + 64 + 1);
}

TEST_CASE("a file whose change time the file system did not give is read each time", "[unit][fs][properties]") {
    listed_file f;
    auto info = f.stat();
    info.changed = {}; // statx without STATX_CTIME in its mask
    fs::property_cache cache(1 << 20, 1000ms, clock_after(f.stat(), 5s));
    CHECK(cache.read(f.where, info).value().empty());
    REQUIRE_FALSE(fs::write_property(f.where, "{DAV:}displayname", "Seen"));
    auto now = cache.read(f.where, info).value();
    REQUIRE(now.size() == 1);
    CHECK(now[0].value == "Seen");
    CHECK(cache.hits() == 0);
}
