// The unix socket's file and the peer of a connection, on real sockets without a server.
#include "server/peer.hpp"
#include "server/unix_socket.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace keepdav;

namespace {

/** A unix stream socket bound at `path` (listening or not), as another process would leave it. */
int bound_at(const std::filesystem::path& path, bool listening) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    if (listening) REQUIRE(::listen(fd, 1) == 0);
    return fd;
}

} // namespace

TEST_CASE("a unix socket file: made with its mode, a stale one replaced, a live one or a file refused, removed after",
          "[unit][server]") {
    test::temp_tree dir;
    auto path = dir.path() / "s.sock";
    {
        server::unix_socket_file made(path, 0640);
        struct stat info {};
        REQUIRE(::stat(path.c_str(), &info) == 0);
        CHECK(S_ISSOCK(info.st_mode));
        CHECK((info.st_mode & 0777) == 0640);
        int fd = made.release_fd();
        auto described = server::describe_inherited(fd);
        CHECK(described.unix_path == path);
        CHECK(described.inherited_fd == fd);
        ::close(fd);
    }
    CHECK_FALSE(std::filesystem::exists(path));

    int stale = bound_at(path, false); // bound, never listening: nobody accepts there
    CHECK_NOTHROW(server::unix_socket_file(path, 0660));
    ::close(stale);

    int live = bound_at(path, true);
    CHECK_THROWS_WITH(server::unix_socket_file(path, 0660), Catch::Contains("another server listens on it"));
    CHECK(std::filesystem::exists(path)); // left to the server that has it
    ::close(live);
    std::filesystem::remove(path);

    std::ofstream(path) << "not a socket";
    CHECK_THROWS_WITH(server::unix_socket_file(path, 0660), Catch::Contains("not a socket"));
    CHECK(std::filesystem::exists(path));
}

TEST_CASE("peers: a unix one is local and named by its user, a TCP one by its address", "[unit][server]") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    auto local = server::peer_of(pair[0]);
    CHECK(local.local_socket);
    CHECK_FALSE(local.address);
    CHECK(local.name == "unix:uid=" + std::to_string(::getuid()));
    ::close(pair[0]);
    ::close(pair[1]);

    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    auto described = server::describe_inherited(listener);
    CHECK(described.host == "127.0.0.1");
    CHECK(described.port == ntohs(address.sin_port));
    int client = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    int accepted = ::accept(listener, nullptr, nullptr);
    auto remote = server::peer_of(accepted);
    CHECK_FALSE(remote.local_socket);
    REQUIRE(remote.address);
    CHECK(remote.name == "127.0.0.1");
    CHECK_THROWS(server::describe_inherited(accepted)); // connected, not listening
    for (int fd : {accepted, client, listener}) ::close(fd);
}
