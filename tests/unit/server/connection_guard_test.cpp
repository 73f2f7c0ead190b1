#include "server/connection_guard.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

namespace {

struct fake_connection {
    bool is_closed = false;
    std::string contained;
    bool closed() const { return is_closed; }
    void contain(const char* what) noexcept {
        contained = what;
        is_closed = true;
    }
};

} // namespace

TEST_CASE("a guarded completion runs with its arguments while the connection is open", "[server][guard]") {
    auto c = std::make_shared<fake_connection>();
    int got = 0;
    keepdav::server::guard_completion(c, [&](int a, int b) { got = a + b; })(2, 3);
    CHECK(got == 5);
    CHECK(c->contained.empty());
}

TEST_CASE("a completion after the close does nothing", "[server][guard]") {
    auto c = std::make_shared<fake_connection>();
    c->is_closed = true;
    bool ran = false;
    keepdav::server::guard_completion(c, [&] { ran = true; })();
    CHECK_FALSE(ran);
}

TEST_CASE("an exception in a completion is handed to its connection, and goes no further", "[server][guard]") {
    auto c = std::make_shared<fake_connection>();
    CHECK_NOTHROW(keepdav::server::guard_completion(c, [] { throw std::length_error("field too large"); })());
    CHECK(c->contained == "field too large");
    auto d = std::make_shared<fake_connection>();
    CHECK_NOTHROW(keepdav::server::guard_completion(d, [] { throw 42; })());
    CHECK(d->contained == "unknown exception");
}

TEST_CASE("the guard keeps its connection alive until the completion has run", "[server][guard]") {
    auto c = std::make_shared<fake_connection>();
    std::weak_ptr<fake_connection> watch = c;
    auto completion = keepdav::server::guard_completion(std::move(c), [] {});
    CHECK_FALSE(watch.expired());
    completion();
    CHECK_FALSE(watch.expired());
}
