#include "server/identify.hpp"

#include "locks/file_lock_store.hpp"

#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <crypt.h>

using namespace keepdav;

namespace {

std::string sha512_crypt(const char* password) {
    crypt_data data{};
    return ::crypt_r(password, "$6$saltsalt$", &data);
}

http::request_header<> request(http::verb method, std::vector<std::pair<std::string, std::string>> fields) {
    http::request_header<> head;
    head.method(method);
    head.target("/a.txt");
    for (const auto& [name, value] : fields) head.set(name, value);
    return head;
}

} // namespace

TEST_CASE("identify: who a request is, by header, credentials and peer") {
    keepdav::test::temp_tree root;
    auto tree = fs::tree::open_root(root.path());
    REQUIRE(tree.has_value());
    locks::file_lock_store locks;
    server_config config;
    config.trusted_proxies = {"127.0.0.1"};
    config.auth_header = "X-Forwarded-User";
    config.anonymous = access_level::read;
    config.users.push_back({"alice", sha512_crypt("pw"), {}, access_level::write, {}, 1});
    auto table = server::users_table::build(config, {&*tree, &locks, nullptr});
    REQUIRE(table.has_value());
    const std::string alice_basic = "Basic YWxpY2U6cHc="; // alice:pw
    const std::string alice_wrong = "Basic YWxpY2U6bm8="; // alice:no

    struct row {
        const char* what;
        http::verb method;
        std::vector<std::pair<std::string, std::string>> fields;
        bool trusted;
        const char* user; ///< nullptr: refused; "?": the password decides (server/password_checks)
        unsigned status;  ///< of the refusal
    };
    const row rows[] = {
        {"Basic", http::verb::put, {{"Authorization", alice_basic}}, false, "?", 0},
        {"wrong password: decided by the hash too", http::verb::get, {{"Authorization", alice_wrong}}, false, "?", 0},
        {"anonymous read", http::verb::get, {}, false, "anonymous", 0},
        {"anonymous PROPFIND", http::verb::propfind, {}, false, "anonymous", 0},
        {"anonymous write asks for credentials", http::verb::put, {}, false, nullptr, 401},
        {"header from a trusted peer", http::verb::put, {{"X-Forwarded-User", "alice"}}, true, "alice", 0},
        {"header naming nobody", http::verb::get, {{"X-Forwarded-User", "mallory"}}, true, nullptr, 403},
        {"header from another peer: ignored", http::verb::put, {{"X-Forwarded-User", "alice"}}, false, nullptr, 401},
        {"ignored header, then Basic", http::verb::put, {{"X-Forwarded-User", "bob"}, {"Authorization", alice_basic}}, false, "?", 0},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        auto id = server::identify(request(r.method, r.fields), **table, config, r.trusted, "test");
        if (r.user && std::string_view(r.user) == "?") {
            CHECK(id.needs_password);
            CHECK(!id.who);
            CHECK(!id.refusal);
        } else if (r.user) {
            CHECK(!id.needs_password);
            REQUIRE(id.who);
            CHECK(id.who->name == r.user);
            CHECK(!id.refusal);
        } else {
            CHECK(!id.who);
            REQUIRE(id.refusal);
            CHECK(static_cast<unsigned>(id.refusal->status) == r.status);
        }
    }
    CHECK((*table)->check_password("alice", "pw") == server::password_verdict::ok);
    CHECK((*table)->check_password("alice", "no") == server::password_verdict::wrong_password);
    CHECK((*table)->check_password("mallory", "pw") == server::password_verdict::unknown_user);
}
