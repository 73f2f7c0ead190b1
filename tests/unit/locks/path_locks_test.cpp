#include "locks/path_locks.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using keepdav::locks::claims_conflict;
using keepdav::locks::path_claim;
using keepdav::locks::path_locks;

TEST_CASE("claims conflict on the same path, ancestors and descendants, unless both are shared", "[locks][path]") {
    CHECK(claims_conflict({"a", true}, {"a", true}));
    CHECK(claims_conflict({"a", true}, {"a/x", true}));
    CHECK(claims_conflict({"a/x/y", true}, {"a", false}));
    CHECK(claims_conflict({"", true}, {"anything", false})); // the root is everyone's ancestor
    CHECK_FALSE(claims_conflict({"a", false}, {"a/x", false}));
    CHECK_FALSE(claims_conflict({"a", true}, {"ab", true})); // a sibling that shares a prefix
    CHECK_FALSE(claims_conflict({"a/x", true}, {"a/y", true}));
}

TEST_CASE("requests on unrelated paths are granted at once", "[locks][path]") {
    path_locks table;
    auto first = table.acquire({{"a/x", true}}, [] { FAIL("granted at once: no handler"); });
    auto second = table.acquire({{"a/y", true}}, [] { FAIL("granted at once: no handler"); });
    CHECK(first.granted_at_once());
    CHECK(second.granted_at_once());
    CHECK(table.size() == 2);
}

TEST_CASE("a conflicting request waits until the holder releases, then its handler runs once", "[locks][path]") {
    path_locks table;
    auto deleting = table.acquire({{"c", true}}, nullptr);
    int granted = 0;
    auto locking = table.acquire({{"c/m", true}}, [&] { ++granted; });
    CHECK_FALSE(locking.granted_at_once());
    CHECK(granted == 0);
    deleting.release();
    CHECK(granted == 1);
    locking.release();
    CHECK(table.size() == 0);
}

TEST_CASE("waiters are granted in arrival order: a later request cannot overtake an earlier conflicting one",
          "[locks][path]") {
    path_locks table;
    std::vector<std::string> order;
    auto copying = table.acquire({{"src", false}, {"dst", true}}, nullptr);
    auto moving = table.acquire({{"src", true}}, [&] { order.push_back("move"); });
    // Shared with the COPY, but it must not pass the MOVE queued before it on the same path.
    auto reading = table.acquire({{"src/a", false}}, [&] { order.push_back("copy2"); });
    auto unrelated = table.acquire({{"other", true}}, [&] { order.push_back("unrelated"); });
    CHECK_FALSE(moving.granted_at_once());
    CHECK_FALSE(reading.granted_at_once());
    CHECK(unrelated.granted_at_once());
    copying.release();
    CHECK(order == std::vector<std::string>{"move"});
    moving.release();
    CHECK(order == std::vector<std::string>{"move", "copy2"});
}

TEST_CASE("a waiting request that goes away leaves the queue and blocks nobody", "[locks][path]") {
    path_locks table;
    auto holder = table.acquire({{"a", true}}, nullptr);
    bool gone_granted = false, next_granted = false;
    {
        auto gone = table.acquire({{"a", true}}, [&] { gone_granted = true; });
        CHECK_FALSE(gone.granted_at_once());
    }
    auto next = table.acquire({{"a/b", true}}, [&] { next_granted = true; });
    holder.release();
    CHECK_FALSE(gone_granted);
    CHECK(next_granted);
}

TEST_CASE("a hold can be moved, and releases once", "[locks][path]") {
    path_locks table;
    auto a = table.acquire({{"x", true}}, nullptr);
    path_locks::hold b = std::move(a);
    CHECK(table.size() == 1);
    a.release(); // moved from: nothing to release
    CHECK(table.size() == 1);
    b.release();
    b.release();
    CHECK(table.size() == 0);
}

namespace {

/** Remote claims a test completes by hand; what a take holds counts itself given back. */
struct fake_remote : keepdav::locks::remote_claims {
    std::vector<std::function<void(held)>> pending;
    int given_back = 0;
    void take(std::vector<path_claim>, std::function<void(held)> done) override { pending.push_back(std::move(done)); }
    held token() {
        return held(new int(0), [this](int* p) {
            ++given_back;
            delete p;
        });
    }
};

} // namespace

TEST_CASE("with other nodes, a grant waits for their claims, and gives them back first", "[locks][path][cluster]") {
    auto remote = std::make_shared<fake_remote>();
    path_locks table({}, remote);
    int granted = 0;
    auto first = table.acquire({{"a", true}}, [&] { ++granted; });
    CHECK_FALSE(first.granted_at_once());
    REQUIRE(remote->pending.size() == 1);
    CHECK(granted == 0);
    remote->pending[0](remote->token());
    CHECK(granted == 1);
    // A local request on an overlapping path waits here before it asks the other nodes.
    auto second = table.acquire({{"a/x", true}}, [&] { ++granted; });
    CHECK(remote->pending.size() == 1);
    first.release();
    CHECK(remote->given_back == 1);
    REQUIRE(remote->pending.size() == 2);
    remote->pending[1](remote->token());
    CHECK(granted == 2);
    second.release();
    CHECK(remote->given_back == 2);
}

TEST_CASE("claims taken on other nodes after their request left are given back at once", "[locks][path][cluster]") {
    auto remote = std::make_shared<fake_remote>();
    path_locks table({}, remote);
    bool granted = false;
    auto hold = table.acquire({{"a", true}}, [&] { granted = true; });
    REQUIRE(remote->pending.size() == 1);
    hold.release();
    remote->pending[0](remote->token());
    CHECK_FALSE(granted);
    CHECK(remote->given_back == 1);
    CHECK(table.size() == 0);
}

TEST_CASE("a grant whose claims the other nodes could not take says so, and one they took does not", "[locks][path][cluster]") {
    auto remote = std::make_shared<fake_remote>();
    path_locks table({}, remote);
    int granted = 0;
    auto failed = table.acquire({{"a", true}}, [&] { ++granted; });
    CHECK_FALSE(failed.remote_failed()); // not granted yet
    REQUIRE(remote->pending.size() == 1);
    remote->pending[0](nullptr); // the database was out of reach
    CHECK(granted == 1);
    CHECK(failed.remote_failed());
    failed.release();
    auto held = table.acquire({{"a", true}}, [&] { ++granted; });
    REQUIRE(remote->pending.size() == 2);
    remote->pending[1](remote->token());
    CHECK(granted == 2);
    CHECK_FALSE(held.remote_failed());
    path_locks local_only;
    CHECK_FALSE(local_only.acquire({{"a", true}}, [] {}).remote_failed());
}
