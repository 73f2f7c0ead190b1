#include "server/descriptor_budget.hpp"

#include <catch2/catch.hpp>

using keepdav::server::default_max_connections;

TEST_CASE("the default connection cap leaves descriptors for workers and files", "[server][limits]") {
    CHECK(default_max_connections(1024, 8) == (1024 - 64 - 128) / 2);
    CHECK(default_max_connections(256, 8) == 32);
    CHECK(default_max_connections(100, 8) == 8);          // never below a handful
    CHECK(default_max_connections(1 << 20, 8) == 10000);  // nor above the old fixed default
}
