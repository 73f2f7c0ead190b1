#include "locks/claim_keys.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using keepdav::locks::claim_keys;
using keepdav::locks::claims_conflict;
using keepdav::locks::path_claim;

namespace {

/** Whether two requests' advisory locks block each other: a common key that either holds exclusively. */
bool keys_conflict(const std::vector<path_claim>& a, const std::vector<path_claim>& b) {
    auto ka = claim_keys(a), kb = claim_keys(b);
    for (const auto& [key, exclusive] : ka)
        if (auto it = kb.find(key); it != kb.end() && (exclusive || it->second)) return true;
    return false;
}

} // namespace

TEST_CASE("advisory keys conflict exactly when exclusive path claims do", "[locks][cluster]") {
    const std::vector<std::string> paths{"", "a", "a/x", "a/x/y", "a/y", "ab", "b", "b/a", "a/xy"};
    for (const auto& p : paths)
        for (const auto& q : paths) {
            INFO(p << " against " << q);
            CHECK(keys_conflict({{p, true}}, {{q, true}}) == claims_conflict({p, true}, {q, true}));
        }
}

TEST_CASE("a shared claim is taken exclusively across nodes: it still meets every claim it meets here", "[locks][cluster]") {
    CHECK(keys_conflict({{"a", false}}, {{"a/x", true}}));
    CHECK(keys_conflict({{"a", false}}, {{"a", false}})); // two COPYs of one source take turns
    CHECK_FALSE(keys_conflict({{"a", false}}, {{"b", true}}));
}

TEST_CASE("a request's keys: its paths exclusive, their ancestors shared, one mode per key", "[locks][cluster]") {
    auto keys = claim_keys({{"a/x", true}, {"a", true}}); // a MOVE of a/x to a
    CHECK(keys.size() == 3); // "", "a" (exclusive wins over the shared ancestor), "a/x"
    int exclusive = 0;
    for (const auto& [_, e] : keys) exclusive += e;
    CHECK(exclusive == 2);
    CHECK(claim_keys({{"", true}}).size() == 1);
}
