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

namespace {

/** Directories below `root`, at any depth. */
std::size_t count_directories(const std::filesystem::path& root) {
    std::size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(root))
        if (e.is_directory() && !e.is_symlink()) ++n;
    return n;
}

/** "d/d/d/..." `levels` deep. */
std::string chain(int levels, const std::string& segment = "d") {
    std::string rel;
    for (int i = 0; i < levels; ++i) rel += (i ? "/" : "") + segment;
    return rel;
}

std::size_t open_descriptors() {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                                  std::filesystem::directory_iterator{}));
}

} // namespace

TEST_CASE("a copy never copies a directory it made, even one moved into the source meanwhile", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("src/a/x/f.txt", "f");
    dir.write("src/b.txt", "b");
    auto t = fs::tree::open_root(dir.path()).value();
    // Another client moves part of the copy into a source directory the copy has yet to list.
    std::string moved_at, moved_from;
    SECTION("the destination itself") {
        moved_at = "dst/a";
        moved_from = "dst";
    }
    SECTION("a directory inside the destination") {
        moved_at = "dst/a/x";
        moved_from = "dst/a";
    }
    std::string into = moved_at == "dst/a" ? "src/a/moved" : "src/a/x/moved";
    fs::walk_control control;
    control.before_entry = [&](std::string_view rel) {
        if (rel == moved_at) std::filesystem::rename(dir / moved_from, dir / into);
    };
    std::vector<fs::member_failure> failures;
    CHECK_FALSE(fs::copy_tree(t, "src", "dst", fs::copy_depth::infinity, control, failures));
    CHECK(failures.empty());
    // The moved directory was filled once and never copied into itself.
    CHECK(dir.exists(into));
    CHECK_FALSE(dir.exists(into + "/" + (moved_from == "dst" ? "a/moved" : "x/moved")));
    CHECK(count_directories(dir.path()) < 10);
}

TEST_CASE("a copy stops when another client removes its destination, with one failure", "[unit][fs]") {
    test::temp_tree dir;
    for (int i = 0; i < 50; ++i) dir.write("src/f" + std::to_string(i), "x");
    for (int i = 0; i < 50; ++i) dir.write("src/sub/g" + std::to_string(i), "y");
    auto t = fs::tree::open_root(dir.path()).value();
    int entries = 0;
    fs::walk_control control;
    std::vector<fs::member_failure> failures;

    SECTION("the destination root: the operation fails as a whole") {
        control.before_entry = [&](std::string_view) {
            if (++entries == 10) std::filesystem::remove_all(dir / "dst");
        };
        CHECK(fs::copy_tree(t, "src", "dst", fs::copy_depth::infinity, control, failures) ==
              boost::system::errc::no_such_file_or_directory);
        CHECK(failures.empty());
        CHECK(entries < 15); // it stopped, rather than failing each remaining member
    }
    SECTION("a collection inside it: that collection is the one failure") {
        control.before_entry = [&](std::string_view rel) {
            if (rel.starts_with("dst/sub/") && ++entries == 10) std::filesystem::remove_all(dir / "dst/sub");
        };
        CHECK_FALSE(fs::copy_tree(t, "src", "dst", fs::copy_depth::infinity, control, failures));
        REQUIRE(failures.size() == 1);
        CHECK(failures[0].rel == "dst/sub");
        CHECK(failures[0].error == boost::system::errc::no_such_file_or_directory);
        CHECK(dir.read("dst/f49") == "x");
    }
}

TEST_CASE("a pending file in a directory removed meanwhile fails as not found, not as not permitted", "[unit][fs]") {
    test::temp_tree dir;
    dir.mkdir("gone");
    auto t = fs::tree::open_root(dir.path()).value();
    auto parent = t.open_parent("gone/f.txt").value();
    SECTION("created after the removal") {
        std::filesystem::remove(dir / "gone");
        CHECK(fs::pending_file::create(parent.dir.get(), parent.leaf).error() ==
              boost::system::errc::no_such_file_or_directory);
    }
    SECTION("committed after the removal") {
        auto pending = fs::pending_file::create(parent.dir.get(), parent.leaf).value();
        std::filesystem::remove(dir / "gone");
        CHECK(pending.commit(true) == boost::system::errc::no_such_file_or_directory);
    }
}

TEST_CASE("a pending file moved to another directory is committed there", "[unit][fs]") {
    test::temp_tree dir;
    dir.mkdir("a");
    dir.mkdir("b");
    auto t = fs::tree::open_root(dir.path()).value();
    auto a = t.open_parent("a/f.txt").value();
    auto b = t.open_parent("b/f.txt").value();
    auto pending = fs::pending_file::create(a.dir.get(), "f.txt").value();
    REQUIRE(::write(pending.fd(), "moved", 5) == 5);
    CHECK_FALSE(pending.move_to(b.dir.get()));
    CHECK_FALSE(pending.commit(true));
    CHECK(dir.read("b/f.txt") == "moved");
    CHECK_FALSE(dir.exists("a/f.txt"));
    CHECK_FALSE(has_internal_names(dir.path()));
}

TEST_CASE("remove_tree removes a tree deeper than any walk goes, holding few descriptors", "[unit][fs]") {
    test::temp_tree dir;
    constexpr int depth = 300;
    static_assert(depth > fs::max_tree_depth);
    // Made directly on disk, as another tool could: a file and a side directory at every level.
    std::string rel = "t";
    for (int level = 0; level < depth; ++level) {
        dir.write(rel + "/f", "f");
        dir.mkdir(rel + "/side");
        rel += "/d";
    }
    dir.write(rel + "/bottom", "b");
    auto t = fs::tree::open_root(dir.path()).value();
    std::size_t before = open_descriptors(), most = 0;
    fs::walk_control control;
    std::vector<std::string> done;
    control.before_entry = [&](std::string_view) { most = std::max(most, open_descriptors()); };
    control.entry_done = [&](std::string_view entry, bool) { done.emplace_back(entry); };
    std::vector<fs::member_failure> failures;
    CHECK_FALSE(fs::remove_tree(t, "t", control, failures));
    CHECK(failures.empty());
    CHECK_FALSE(dir.exists("t"));
    CHECK(done.size() == 3 * depth + 2);
    // Deepest first: each directory after what it held.
    auto position = [&](const std::string& entry) { return std::find(done.begin(), done.end(), entry) - done.begin(); };
    CHECK(position(rel + "/bottom") < position(rel));
    CHECK(position("t/side") < position("t"));
    CHECK(done.back() == "t");
    CHECK(most < before + 40); // not one per level
}

TEST_CASE("remove_tree reports a directory replaced while it was let go, and keeps its ancestors", "[unit][fs]") {
    test::temp_tree dir;
    std::string deep = "t/" + chain(60);
    dir.write(deep + "/f", "f");
    dir.write("t/d/keep", "k"); // listed after the deep chain, or before: either way it goes
    auto t = fs::tree::open_root(dir.path()).value();
    fs::walk_control control;
    bool swapped = false;
    control.before_entry = [&](std::string_view rel) {
        // Once the deep end is reached, the shallow directories' descriptors were let go: swap one.
        if (!swapped && rel == deep + "/f") {
            swapped = true;
            std::filesystem::rename(dir / "t/d/d", dir / "elsewhere");
            std::filesystem::create_directories(dir / "t/d/d/d");
        }
    };
    std::vector<fs::member_failure> failures;
    CHECK_FALSE(fs::remove_tree(t, "t", control, failures));
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].rel == "t/d/d");
    CHECK(dir.exists("t/d/d/d")); // the newcomer was not removed as if it were the one listed
    CHECK_FALSE(dir.exists("t/d/keep"));
}

TEST_CASE("copy_tree makes nothing deeper than max_tree_depth", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("src/a/b/f.txt", "f");
    std::string base = chain(fs::max_tree_depth - 2, "p");
    dir.mkdir(base);
    auto t = fs::tree::open_root(dir.path()).value();
    fs::walk_control control;
    std::vector<fs::member_failure> failures;
    // dst lies 255 deep, a 256: b (257) is refused.
    CHECK_FALSE(fs::copy_tree(t, "src", base + "/dst", fs::copy_depth::infinity, control, failures));
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].rel == base + "/dst/a/b");
    CHECK(failures[0].error == boost::system::errc::too_many_symbolic_link_levels);
    CHECK(dir.exists(base + "/dst/a"));
    CHECK(fs::copy_tree(t, "src", base + "/x/y/dst", fs::copy_depth::infinity, control, failures) ==
          boost::system::errc::too_many_symbolic_link_levels);
}
