// The one tree walker: visiting order, depth limit, skipping, internal names, symlinks, stopping, and
// trees deeper than the descriptors it keeps open.
#include "fs/walk.hpp"
#include "support/temp_tree.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

using namespace keepdav;

namespace {

/** Records every callback as "enter a", "member a/b", "leave a", "failed a". */
struct recorder {
    std::vector<std::string> events;
    fs::walk_visitor visitor;

    recorder() {
        visitor.enter = [this](const fs::walk_directory& d) {
            events.push_back("enter " + std::string(d.rel));
            return fs::walk_step::next;
        };
        visitor.member = [this](const fs::walk_entry& e) {
            events.push_back("member " + std::string(e.rel));
            return fs::walk_step::next;
        };
        visitor.leave = [this](const fs::walk_entry& e) {
            events.push_back("leave " + std::string(e.rel));
            return fs::walk_step::next;
        };
        visitor.failed = [this](const fs::walk_entry& e, fs::error_code) {
            events.push_back("failed " + std::string(e.rel));
            return fs::walk_step::next;
        };
    }
    std::ptrdiff_t position(const std::string& event) const {
        auto it = std::find(events.begin(), events.end(), event);
        REQUIRE(it != events.end());
        return it - events.begin();
    }
    bool has(const std::string& event) const {
        return std::find(events.begin(), events.end(), event) != events.end();
    }
};

std::size_t open_descriptors() {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                                  std::filesystem::directory_iterator{}));
}

} // namespace

TEST_CASE("a walk enters each directory, visits all its members, goes below them, then leaves it",
          "[unit][fs]") {
    test::temp_tree dir;
    dir.write("s/a/x.txt", "x");
    dir.write("s/a/b/y.txt", "y");
    dir.write("s/c/z.txt", "z");
    dir.write("s/f.txt", "f");
    auto t = fs::tree::open_root(dir.path()).value();
    recorder r;
    REQUIRE_FALSE(fs::walk(t, "s", {}, r.visitor));
    CHECK(r.events.size() == 2 * 4 + 7); // enter and leave per directory, member per entry below the start
    CHECK(r.events.front() == "enter s");
    CHECK(r.events.back() == "leave s");
    // All of a directory's members before anything below any of them.
    for (auto member : {"member s/a", "member s/c", "member s/f.txt"})
        CHECK(r.position(member) < r.position("enter s/a"));
    CHECK(r.position("member s/a/b") < r.position("enter s/a/b"));
    CHECK(r.position("member s/a/x.txt") < r.position("enter s/a/b"));
    // Post-order: a directory is left after everything below it.
    CHECK(r.position("leave s/a/b") < r.position("leave s/a"));
    CHECK(r.position("member s/a/b/y.txt") < r.position("leave s/a/b"));
    CHECK(r.position("leave s/a") < r.position("leave s"));
    CHECK(r.position("leave s/c") < r.position("leave s"));
}

TEST_CASE("a walk gives each entry its type, depth and the open directory that holds it", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("d/f.txt", "f");
    dir.mkdir("d/sub");
    std::filesystem::create_symlink("sub", dir / "d/link");
    auto t = fs::tree::open_root(dir.path()).value();
    std::map<std::string, fs::entry_type> types;
    fs::walk_visitor v;
    v.member = [&](const fs::walk_entry& e) {
        types[std::string(e.rel)] = e.type;
        CHECK(e.depth == fs::path_depth(e.rel) - 1); // below the start, "d"
        CHECK(
            fs::stat_at(e.dir_fd, e.name.data()).has_value()); // the holder is open, the name NUL-terminated
        return fs::walk_step::next;
    };
    REQUIRE_FALSE(fs::walk(t, "d", {}, v));
    CHECK(types["d/f.txt"] == fs::entry_type::file);
    CHECK(types["d/sub"] == fs::entry_type::directory);
    CHECK(types["d/link"] == fs::entry_type::symlink);
}

TEST_CASE("max_depth 1 visits the start's members and enters none of them", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("a/b/c.txt", "c");
    dir.write("a/d.txt", "d");
    auto t = fs::tree::open_root(dir.path()).value();
    recorder r;
    fs::walk_options options;
    options.max_depth = 1;
    REQUIRE_FALSE(fs::walk(t, "a", options, r.visitor));
    bool one_order =
        r.events == std::vector<std::string>{"enter a", "member a/b", "member a/d.txt", "leave a"};
    bool other_order =
        r.events == std::vector<std::string>{"enter a", "member a/d.txt", "member a/b", "leave a"};
    CHECK((one_order || other_order));
}

TEST_CASE("skip keeps a walk out of a directory", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("r/in/x.txt", "x");
    dir.write("r/out/y.txt", "y");
    auto t = fs::tree::open_root(dir.path()).value();
    recorder r;
    SECTION("answered for the member") {
        auto member = r.visitor.member;
        r.visitor.member = [&](const fs::walk_entry& e) {
            member(e);
            return e.name == "out" ? fs::walk_step::skip : fs::walk_step::next;
        };
        REQUIRE_FALSE(fs::walk(t, "r", {}, r.visitor));
        CHECK_FALSE(r.has("enter r/out"));
    }
    SECTION("answered on entering it: not listed, not left") {
        auto enter = r.visitor.enter;
        r.visitor.enter = [&](const fs::walk_directory& d) {
            enter(d);
            return d.name == "out" ? fs::walk_step::skip : fs::walk_step::next;
        };
        REQUIRE_FALSE(fs::walk(t, "r", {}, r.visitor));
        CHECK(r.has("enter r/out"));
        CHECK_FALSE(r.has("leave r/out"));
    }
    CHECK_FALSE(r.has("member r/out/y.txt"));
    CHECK(r.has("member r/in/x.txt"));
}

TEST_CASE("a walk skips keepdav's internal names unless asked to include them", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("d/" + fs::make_internal_name(), "leftover");
    dir.write("d/f.txt", "f");
    auto t = fs::tree::open_root(dir.path()).value();
    std::size_t seen = 0;
    fs::walk_visitor v;
    v.member = [&](const fs::walk_entry&) {
        ++seen;
        return fs::walk_step::next;
    };
    fs::walk_options options;
    REQUIRE_FALSE(fs::walk(t, "d", options, v));
    CHECK(seen == 1);
    options.include_internal = true;
    REQUIRE_FALSE(fs::walk(t, "d", options, v));
    CHECK(seen == 3);
}

TEST_CASE("a walk never follows a symlink, inside the root or out of it", "[unit][fs]") {
    test::temp_tree dir, outside;
    outside.write("secret/s.txt", "s");
    dir.write("d/real/f.txt", "f");
    std::filesystem::create_symlink(dir / "d/real", dir / "d/inside");
    std::filesystem::create_symlink(outside / "secret", dir / "d/escape");
    auto t = fs::tree::open_root(dir.path()).value();
    recorder r;
    REQUIRE_FALSE(fs::walk(t, "d", {}, r.visitor));
    CHECK(r.has("member d/inside"));
    CHECK(r.has("member d/escape"));
    CHECK_FALSE(r.has("enter d/inside"));
    CHECK_FALSE(r.has("enter d/escape"));
    CHECK_FALSE(r.has("member d/escape/s.txt"));
    CHECK(r.has("member d/real/f.txt"));
}

TEST_CASE("a stopped walk answers operation_canceled and visits nothing more", "[unit][fs]") {
    test::temp_tree dir;
    for (int i = 0; i < 20; ++i)
        dir.write("d/s" + std::to_string(i) + "/f", "f");
    auto t = fs::tree::open_root(dir.path()).value();
    std::stop_source stop;
    std::size_t entered = 0;
    fs::walk_visitor v;
    v.enter = [&](const fs::walk_directory&) {
        if (++entered == 5) stop.request_stop();
        return fs::walk_step::next;
    };
    fs::walk_options options;
    options.stop = stop.get_token();
    CHECK(fs::walk(t, "d", options, v) == boost::system::errc::operation_canceled);
    CHECK(entered == 5);
}

TEST_CASE("members come in batches, and a batch decides which directories are entered", "[unit][fs]") {
    test::temp_tree dir;
    for (int i = 0; i < 10; ++i)
        dir.mkdir("d/s" + std::to_string(i));
    dir.write("d/s3/inner.txt", "i");
    dir.write("d/s4/inner.txt", "i");
    auto t = fs::tree::open_root(dir.path()).value();
    std::vector<std::size_t> sizes;
    std::vector<std::string> entered;
    fs::walk_visitor v;
    v.enter = [&](const fs::walk_directory& d) {
        entered.emplace_back(d.rel);
        return fs::walk_step::next;
    };
    v.members = [&](const fs::walk_directory& d, std::span<fs::walk_member> batch) {
        if (d.depth == 0) sizes.push_back(batch.size());
        for (auto& m : batch)
            m.enter = m.name == "s3";
        return fs::walk_step::next;
    };
    fs::walk_options options;
    options.batch = 4;
    REQUIRE_FALSE(fs::walk(t, "d", options, v));
    CHECK(sizes == std::vector<std::size_t>{4, 4, 2});
    CHECK(entered == std::vector<std::string>{"d", "d/s3"});
}

TEST_CASE("a walk goes deeper than the descriptors it keeps, and notices a directory replaced meanwhile",
          "[unit][fs]") {
    test::temp_tree dir;
    constexpr int depth = 100;
    std::string deep = "t";
    for (int level = 0; level < depth; ++level)
        deep += "/d";
    dir.write(deep + "/bottom", "b");
    auto t = fs::tree::open_root(dir.path()).value();
    std::size_t before = open_descriptors(), most = 0;
    recorder r;
    auto member = r.visitor.member;
    bool swap = false;
    r.visitor.member = [&](const fs::walk_entry& e) {
        most = std::max(most, open_descriptors());
        // At the bottom, t/d was let go long ago: another client replaces it.
        if (swap && e.name == "bottom") {
            std::filesystem::rename(dir / "t/d", dir / "elsewhere");
            dir.write("t/d/newcomer.txt", "n");
        }
        return member(e);
    };
    fs::walk_options options;
    options.kept_descriptors = 8;
    SECTION("untouched: every level is entered and left") {
        REQUIRE_FALSE(fs::walk(t, "t", options, r.visitor));
        CHECK(r.has("member " + deep + "/bottom"));
        CHECK(r.position("leave " + deep) < r.position("leave t/d"));
        CHECK(r.events.size() == 1 + 3 * depth + 2);
    }
    SECTION("replaced: that directory is reported and nothing of the newcomer is visited") {
        swap = true;
        REQUIRE_FALSE(fs::walk(t, "t", options, r.visitor));
        CHECK(r.has("failed t/d"));
        CHECK_FALSE(r.has("leave t/d"));
        CHECK_FALSE(r.has("member t/d/newcomer.txt"));
        CHECK(r.events.back() == "leave t");
    }
    CHECK(most <= before + options.kept_descriptors + 1); // and one listing or re-opening at a time
}
