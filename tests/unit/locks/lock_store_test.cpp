// The lock table: conflicts between exclusive and shared locks, depth, timeouts with a fixed clock,
// refresh, release, and persistence across a restart.
#include "locks/file_lock_store.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using lock_clock = keepdav::locks::clock;
using keepdav::locks::file_lock_store;
using keepdav::locks::lock_store;
using namespace std::chrono_literals;

namespace {

const lock_clock::time_point t0 = lock_clock::time_point(std::chrono::seconds(1'700'000'000));

lock_store::request exclusive(std::string root, bool infinite = true, std::chrono::seconds timeout = 60s) {
    return {std::move(root), infinite, true, "<D:owner xmlns:D=\"DAV:\">me</D:owner>", timeout};
}

lock_store::request shared(std::string root, bool infinite = true) { return {std::move(root), infinite, false, "", 60s}; }

} // namespace

TEST_CASE("an exclusive lock excludes any other lock on the same resource", "[unit][locks]") {
    file_lock_store store;
    auto first = store.acquire(exclusive("a"), t0);
    REQUIRE(first.granted);
    CHECK(first.granted->token.starts_with("urn:uuid:"));
    auto second = store.acquire(shared("a"), t0);
    REQUIRE_FALSE(second.granted);
    REQUIRE(second.conflict);
    CHECK(second.conflict->token == first.granted->token);
}

TEST_CASE("shared locks coexist, and exclude an exclusive one", "[unit][locks]") {
    file_lock_store store;
    REQUIRE(store.acquire(shared("a"), t0).granted);
    REQUIRE(store.acquire(shared("a"), t0).granted);
    CHECK_FALSE(store.acquire(exclusive("a"), t0).granted);
    CHECK(store.covering("a", t0).size() == 2);
}

TEST_CASE("a depth-infinity lock covers members, and a depth-0 lock does not", "[unit][locks]") {
    file_lock_store store;
    REQUIRE(store.acquire(exclusive("dir", true), t0).granted);
    REQUIRE(store.acquire(exclusive("other", false), t0).granted);
    CHECK(store.covering("dir/sub/file", t0).size() == 1);
    CHECK(store.covering("other/file", t0).empty());
    CHECK(store.covering("directory", t0).empty()); // a name prefix is not a member
    // A lock on a member conflicts with the infinite lock above it...
    CHECK_FALSE(store.acquire(exclusive("dir/sub/file"), t0).granted);
    // ...and an infinite lock conflicts with a lock below it.
    REQUIRE(store.acquire(exclusive("tree/deep/x", false), t0).granted);
    CHECK_FALSE(store.acquire(exclusive("tree", true), t0).granted);
    CHECK(store.acquire(exclusive("tree", false), t0).granted);
}

TEST_CASE("locks expire at their timeout and can be refreshed", "[unit][locks]") {
    file_lock_store store;
    auto l = store.acquire(exclusive("a", true, 60s), t0).granted;
    REQUIRE(l);
    CHECK(store.find(l->token, t0 + 59s));
    CHECK_FALSE(store.find(l->token, t0 + 60s));
    // Expired: the resource can be locked again.
    CHECK(store.acquire(exclusive("a"), t0 + 61s).granted);

    auto m = store.acquire(exclusive("b", true, 60s), t0).granted;
    REQUIRE(m);
    auto refreshed = store.refresh(m->token, 600s, t0 + 50s);
    REQUIRE(refreshed);
    CHECK(store.find(m->token, t0 + 500s));
    CHECK_FALSE(store.refresh("urn:uuid:unknown", 60s, t0));
}

TEST_CASE("a zero timeout is an infinite lock", "[unit][locks]") {
    file_lock_store store;
    auto l = store.acquire(exclusive("a", true, 0s), t0).granted;
    REQUIRE(l);
    CHECK(l->expires == lock_clock::time_point::max());
    CHECK(store.find(l->token, t0 + std::chrono::hours(24 * 365 * 10)));
}

TEST_CASE("release and remove_within drop locks", "[unit][locks]") {
    file_lock_store store;
    auto a = store.acquire(exclusive("x/a"), t0).granted;
    auto b = store.acquire(exclusive("x/b/c"), t0).granted;
    auto c = store.acquire(exclusive("y"), t0).granted;
    REQUIRE((a && b && c));
    CHECK(store.release(a->token));
    CHECK_FALSE(store.release(a->token));
    CHECK(store.rooted_within("x", t0).size() == 1);
    store.remove_within("x");
    CHECK(store.rooted_within("x", t0).empty());
    CHECK(store.find(c->token, t0));
}

TEST_CASE("locks survive a restart, owner XML and all", "[unit][locks]") {
    keepdav::test::temp_tree dir;
    auto file = dir.path() / "locks.tsv";
    std::string token;
    {
        file_lock_store store(file);
        auto l = store.acquire({"a b/c\td", true, true, "<D:owner xmlns:D=\"DAV:\">line1\nline2\\</D:owner>", 0s}, lock_clock::now());
        REQUIRE(l.granted);
        token = l.granted->token;
        REQUIRE(store.acquire(exclusive("gone", true, 1s), lock_clock::now() - 10s).granted); // expired at load
    }
    file_lock_store reloaded(file);
    auto l = reloaded.find(token, lock_clock::now());
    REQUIRE(l);
    CHECK(l->root == "a b/c\td");
    CHECK(l->owner_xml == "<D:owner xmlns:D=\"DAV:\">line1\nline2\\</D:owner>");
    CHECK(l->infinite);
    CHECK(l->expires == lock_clock::time_point::max());
    CHECK(reloaded.rooted_within("gone", lock_clock::now()).empty());
}

TEST_CASE("a damaged lock table is ignored, not fatal", "[unit][locks]") {
    keepdav::test::temp_tree dir;
    auto file = dir.path() / "locks.tsv";
    std::ofstream(file) << "not a lock table\n\x01\x02";
    file_lock_store store(file);
    CHECK(store.covering("", lock_clock::now()).empty());
    CHECK(store.acquire(exclusive("a"), lock_clock::now()).granted);
}

TEST_CASE("path_within compares whole segments", "[unit][locks]") {
    using keepdav::locks::path_within;
    CHECK(path_within("a/b", "a"));
    CHECK(path_within("a", "a"));
    CHECK(path_within("anything", ""));
    CHECK_FALSE(path_within("ab", "a"));
    CHECK_FALSE(path_within("a", "a/b"));
}
