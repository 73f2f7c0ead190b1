// Copy-modify for a rename: the base's content, with a piece written over it, in a pending file.
#include "fs/io.hpp"
#include "fs/patched_copy.hpp"
#include "fs/xattr_props.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

using namespace keepdav;

namespace {

fs::unique_fd open_file(const test::temp_tree& dir, const std::string& rel, int flags = O_RDONLY) {
    int fd = ::open((dir.path() / rel).c_str(), flags | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    return fs::unique_fd(fd);
}

/** A tree with a base file and a piece, both open, and its root open for the *at calls. */
struct base_and_piece {
    test::temp_tree dir;
    fs::unique_fd root, base, piece;
    base_and_piece(const std::string& base_content, const std::string& piece_content) {
        dir.write("base", base_content);
        dir.write("piece", piece_content);
        root = open_file(dir, ".", O_RDONLY | O_DIRECTORY);
        base = open_file(dir, "base");
        piece = open_file(dir, "piece");
    }
};

} // namespace

TEST_CASE("a patched copy holds the base with the piece over it, and the base stays as it was", "[unit][fs]") {
    base_and_piece f("1234567890", "xx----yy");
    auto& [dir, root, base, piece] = f;
    ::fchmod(base.get(), 0600);
    bool has_properties = !fs::write_property({root.get(), "base"}, "{urn:x}p", "kept"); // not on every fs

    auto [offset, want] = GENERATE(table<std::uint64_t, std::string>({
        {0, "----567890"},
        {3, "123----890"},
        {6, "123456----"},
        {8, "12345678----"},
        {10, "1234567890----"},
    }));
    INFO(offset);
    auto patched = fs::patched_copy(root.get(), "base", base.get(), piece.get(), 2, offset, 4);
    REQUIRE(patched.has_value());
    CHECK(patched->method != fs::copy_method::none);
    CHECK(dir.read("base") == "1234567890");
    REQUIRE_FALSE(patched->file.commit(true));
    CHECK(dir.read("base") == want);
    CHECK((fs::stat_at(root.get(), "base")->mode & 07777) == 0600);
    if (has_properties) CHECK(fs::read_property({root.get(), "base"}, "{urn:x}p").value() == "kept");
}

TEST_CASE("a patched copy without a base is the piece at its offset", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("piece", "abc");
    auto root = open_file(dir, ".", O_RDONLY | O_DIRECTORY);
    auto piece = open_file(dir, "piece");
    auto patched = fs::patched_copy(root.get(), "new", -1, piece.get(), 0, 0, 3);
    REQUIRE(patched.has_value());
    CHECK(patched->method == fs::copy_method::none);
    REQUIRE_FALSE(patched->file.commit(false));
    CHECK(dir.read("new") == "abc");
}

TEST_CASE("a piece shorter than its range is an error, and nothing is named", "[unit][fs]") {
    base_and_piece f("1234567890", "ab");
    auto& [dir, root, base, piece] = f;
    CHECK_FALSE(fs::patched_copy(root.get(), "base", base.get(), piece.get(), 0, 0, 4).has_value());
    CHECK(dir.read("base") == "1234567890");
}

TEST_CASE("clone_contents copies a whole file, shared or not", "[unit][fs]") {
    test::temp_tree dir;
    std::string big(3 << 20, 'z');
    big[12345] = 'a';
    dir.write("big", big);
    auto from = open_file(dir, "big");
    auto to = open_file(dir, "copy", O_RDWR | O_CREAT | O_TRUNC);
    std::uint64_t reported = 0;
    auto method = fs::clone_contents(from.get(), to.get(), [&](std::uint64_t n) { reported += n; });
    REQUIRE(method.has_value());
    CHECK(*method != fs::copy_method::none);
    CHECK(dir.read("copy") == big);
    // progress counts bytes moved: all of them for a copy, none for shared extents
    CHECK(reported == (*method == fs::copy_method::copy ? big.size() : 0));
}
