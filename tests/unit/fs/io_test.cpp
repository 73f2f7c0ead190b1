// Whole-buffer reads and writes, scratch files, and replacing a file in one step.
#include "fs/atomic_write.hpp"
#include "fs/io.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>

using namespace keepdav;

TEST_CASE("whole buffers are written and read back at offsets", "[unit][fs]") {
    test::temp_tree dir;
    auto file = fs::open_scratch_file(dir.path().string()).value();
    std::string data(3 << 20, 'x');
    data[12345] = 'y';
    REQUIRE_FALSE(fs::write_all(file.get(), "head", 4));
    REQUIRE_FALSE(fs::pwrite_all(file.get(), data.data(), data.size(), 4));
    std::string back(data.size(), '\0');
    REQUIRE_FALSE(fs::pread_exact(file.get(), back.data(), back.size(), 4));
    CHECK(back == data);
    char head[4];
    CHECK(fs::pread_some(file.get(), head, sizeof head, 0).value() == 4);
    CHECK(std::string_view(head, 4) == "head");
    CHECK(fs::pread_some(file.get(), head, sizeof head, 4 + data.size()).value() == 0);
    // A file shorter than promised: the length cannot be kept.
    CHECK(fs::pread_exact(file.get(), back.data(), 10, data.size()) == boost::system::errc::io_error);
    CHECK(std::filesystem::is_empty(dir.path())); // a scratch file has no name
}

TEST_CASE("replace_file_atomically creates or replaces a file and leaves nothing beside it", "[unit][fs]") {
    test::temp_tree dir;
    auto path = dir / "state.tsv";
    REQUIRE_FALSE(fs::replace_file_atomically(path, "first\n"));
    CHECK(dir.read("state.tsv") == "first\n");
    REQUIRE_FALSE(fs::replace_file_atomically(path, "second\n"));
    CHECK(dir.read("state.tsv") == "second\n");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                        std::filesystem::directory_iterator{}) == 1);
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK(fs::replace_file_atomically(dir / "missing/state.tsv", "x") ==
          boost::system::errc::no_such_file_or_directory);
}
