// The fs layer on real temporary trees: pending files, copy (complete or absent), remove, rename.
#include "fs/atomic_write.hpp"
#include "fs/tree_ops.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace keepdav;

namespace {

bool has_internal_names(const std::filesystem::path& root) {
    for (auto& e : std::filesystem::recursive_directory_iterator(root))
        if (fs::is_internal_name(e.path().filename().string())) return true;
    return false;
}

} // namespace

TEST_CASE("a pending file is invisible until committed", "[unit][fs]") {
    test::temp_tree dir;
    auto t = fs::tree::open_root(dir.path()).value();
    auto parent = t.open_parent("f.txt").value();
    {
        auto pending = fs::pending_file::create(parent.dir.get(), "f.txt").value();
        REQUIRE(::write(pending.fd(), "abc", 3) == 3);
        CHECK(std::filesystem::is_empty(dir.path()));
    } // dropped: nothing remains
    CHECK(std::filesystem::is_empty(dir.path()));

    auto pending = fs::pending_file::create(parent.dir.get(), "f.txt").value();
    REQUIRE(::write(pending.fd(), "abc", 3) == 3);
    CHECK_FALSE(pending.commit(false));
    CHECK(dir.read("f.txt") == "abc");

    auto again = fs::pending_file::create(parent.dir.get(), "f.txt").value();
    CHECK(again.commit(false) == boost::system::errc::file_exists);
    auto replacing = fs::pending_file::create(parent.dir.get(), "f.txt").value();
    REQUIRE(::write(replacing.fd(), "xyz!", 4) == 4);
    CHECK_FALSE(replacing.commit(true));
    CHECK(dir.read("f.txt") == "xyz!");
    CHECK_FALSE(has_internal_names(dir.path()));
}

TEST_CASE("the tree refuses symlinks that leave the root and follows those that stay", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("inside/f.txt", "in");
    std::filesystem::create_symlink("/etc/passwd", dir / "out");
    std::filesystem::create_symlink("inside/f.txt", dir / "in");
    auto t = fs::tree::open_root(dir.path()).value();
    CHECK(t.open("out", O_RDONLY).error() == boost::system::errc::permission_denied);
    CHECK(t.open("in", O_RDONLY).has_value());
}

TEST_CASE("a copied tree is identical and independent (never hard links)", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("src/a.txt", "a");
    dir.write("src/d/e/b.bin", std::string(3 << 20, 'b'));
    auto t = fs::tree::open_root(dir.path()).value();
    fs::walk_control control;
    std::vector<fs::member_failure> failures;
    REQUIRE_FALSE(fs::copy_tree(t, "src", "dst", fs::copy_depth::infinity, control, failures));
    CHECK(failures.empty());
    CHECK(dir.read("dst/d/e/b.bin") == dir.read("src/d/e/b.bin"));
    struct stat a {}, b {};
    REQUIRE(::stat((dir / "src/a.txt").c_str(), &a) == 0);
    REQUIRE(::stat((dir / "dst/a.txt").c_str(), &b) == 0);
    CHECK(a.st_ino != b.st_ino);
    CHECK(b.st_nlink == 1);
}

TEST_CASE("a stopped copy leaves each file complete or absent", "[unit][fs]") {
    test::temp_tree dir;
    for (int i = 0; i < 10; ++i) dir.write("src/f" + std::to_string(i), std::string(1 << 20, char('0' + i)));
    auto t = fs::tree::open_root(dir.path()).value();
    std::stop_source stop;
    int entries = 0;
    fs::walk_control control;
    control.stop = stop.get_token();
    control.before_entry = [&](std::string_view) {
        if (++entries == 5) stop.request_stop();
    };
    std::vector<fs::member_failure> failures;
    auto ec = fs::copy_tree(t, "src", "dst", fs::copy_depth::infinity, control, failures);
    CHECK(ec == boost::system::errc::operation_canceled);
    std::size_t copied = 0;
    for (auto& e : std::filesystem::directory_iterator(dir / "dst")) {
        ++copied;
        CHECK(e.file_size() == (1u << 20));
    }
    CHECK(copied < 10);
    CHECK_FALSE(has_internal_names(dir.path()));
}

TEST_CASE("remove_tree removes everything, internal leftovers included", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("t/a/b.txt", "b");
    dir.write("t/" + fs::make_internal_name(), "leftover");
    auto t = fs::tree::open_root(dir.path()).value();
    fs::walk_control control;
    std::vector<std::string> done;
    control.entry_done = [&](std::string_view rel, bool) { done.emplace_back(rel); };
    std::vector<fs::member_failure> failures;
    CHECK_FALSE(fs::remove_tree(t, "t", control, failures));
    CHECK(failures.empty());
    CHECK_FALSE(dir.exists("t"));
    CHECK(done.back() == "t"); // deepest first, the root last
}

TEST_CASE("rename_entry with and without replace", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("a", "a");
    dir.write("b", "b");
    auto t = fs::tree::open_root(dir.path()).value();
    CHECK(fs::rename_entry(t, "a", "b", false) == boost::system::errc::file_exists);
    CHECK_FALSE(fs::rename_entry(t, "a", "b", true));
    CHECK(dir.read("b") == "a");
    CHECK_FALSE(dir.exists("a"));
}
