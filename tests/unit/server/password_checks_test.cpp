#include "server/password_checks.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <future>
#include <thread>

using keepdav::server::failed_login_line;
using keepdav::server::login_outcome;
using keepdav::server::password_checks;
using keepdav::server::password_verdict;
using kind = login_outcome::kind;
using namespace std::chrono_literals;

namespace {

// "Basic " + base64("user:password")
const std::string alice_right = "Basic YWxpY2U6cmlnaHQ=";  // alice:right
const std::string alice_wrong = "Basic YWxpY2U6d3Jvbmc=";  // alice:wrong
const std::string nobody = "Basic bm9ib2R5OnJpZ2h0";       // nobody:right

struct counting_verifier {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    password_verdict operator()(const std::string& user, const std::string& password) const {
        ++*calls;
        if (user != "alice") return password_verdict::unknown_user;
        return password == "right" ? password_verdict::ok : password_verdict::wrong_password;
    }
};

} // namespace

TEST_CASE("failed login line: fail2ban's form, the user name escaped so it cannot forge a line", "[server][logins]") {
    CHECK(failed_login_line("192.0.2.1", "alice", "wrong password") ==
          "auth failed: from=192.0.2.1 user=\"alice\" (wrong password)");
    CHECK(failed_login_line("::1", "a\"b\\c\nd\x7f\xc3\xa9", "unknown user") ==
          "auth failed: from=::1 user=\"a\\\"b\\\\c\\x0ad\\x7f\\xc3\\xa9\" (unknown user)");
}

TEST_CASE("no credentials need no hash - malformed ones fail without one", "[server][logins]") {
    counting_verifier v;
    password_checks checks(v, 10, 1);
    auto t = password_checks::clock::now();
    CHECK(checks.quick("", "a", t)->result == kind::missing);
    CHECK(checks.quick("Basic !!!!", "a", t)->result == kind::failed);
    CHECK(checks.quick("Bearer abc", "a", t)->result == kind::failed);
    CHECK(*v.calls == 0);
    CHECK(checks.failed_count() == 2);
}

TEST_CASE("a good password is hashed once, then remembered - a wrong one every time", "[server][logins]") {
    counting_verifier v;
    password_checks checks(v, 0, 1);
    auto t = password_checks::clock::now();
    REQUIRE_FALSE(checks.quick(alice_right, "a", t));
    CHECK(checks.slow(alice_right, "a").result == kind::ok);
    auto again = checks.quick(alice_right, "b", t);
    REQUIRE(again);
    CHECK(again->result == kind::ok);
    CHECK(again->user == "alice");
    CHECK(*v.calls == 1);
    // Remembered for minutes, not forever.
    CHECK_FALSE(checks.quick(alice_right, "b", t + 6min));
    CHECK_FALSE(checks.quick(alice_wrong, "a", t));
    auto wrong = checks.slow(alice_wrong, "a");
    CHECK(wrong.result == kind::failed);
    CHECK(wrong.reason == "wrong password");
    CHECK(checks.slow(nobody, "a").reason == "unknown user");
    CHECK(checks.failed_count() == 2);
}

TEST_CASE("an address over its failures is refused unhashed - a remembered login still passes", "[server][logins]") {
    counting_verifier v;
    password_checks checks(v, 2, 1);
    auto t = password_checks::clock::now();
    REQUIRE_FALSE(checks.quick(alice_right, "192.0.2.1", t));
    CHECK(checks.slow(alice_right, "192.0.2.1").result == kind::ok); // its token given back
    for (int i = 0; i < 2; ++i) {
        REQUIRE_FALSE(checks.quick(alice_wrong, "192.0.2.1", t));
        checks.slow(alice_wrong, "192.0.2.1");
    }
    auto refused = checks.quick(alice_wrong, "192.0.2.1", t);
    REQUIRE(refused);
    CHECK(refused->result == kind::throttled);
    CHECK(refused->retry_after >= 1s);
    CHECK(checks.throttled_count() == 1);
    CHECK(checks.quick(alice_right, "192.0.2.1", t)->result == kind::ok);
    CHECK_FALSE(checks.quick(alice_wrong, "192.0.2.2", t));
    CHECK(*v.calls == 3);
}

TEST_CASE("the hash runs off the I/O thread, which serves others meanwhile - the outcome comes back to it", "[server][logins]") {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<std::thread::id> hashed_on{};
    password_checks checks(
        [&](const std::string&, const std::string&) {
            hashed_on = std::this_thread::get_id();
            released.wait(); // a slow bcrypt, as long as the test wants
            return password_verdict::wrong_password;
        },
        0, 1);
    boost::asio::io_context ioc;
    std::optional<login_outcome> outcome;
    std::thread::id completed_on{};
    keepdav::server::async_check_login(checks, alice_wrong, "192.0.2.1", ioc.get_executor(), [&](login_outcome o) {
        completed_on = std::this_thread::get_id();
        outcome = std::move(o);
    });
    bool other_served = false;
    boost::asio::post(ioc, [&] { other_served = true; });
    // With the hash still blocked, the I/O thread (this one) serves the other handler.
    while (!other_served) ioc.run_one_for(std::chrono::milliseconds(100));
    CHECK_FALSE(outcome);
    release.set_value();
    ioc.restart();
    for (auto deadline = std::chrono::steady_clock::now() + 10s; !outcome && std::chrono::steady_clock::now() < deadline;)
        ioc.run_one_for(std::chrono::milliseconds(100));
    REQUIRE(outcome);
    CHECK(outcome->result == kind::failed);
    CHECK(hashed_on.load() != std::this_thread::get_id());
    CHECK(completed_on == std::this_thread::get_id());
    checks.stop();
}
