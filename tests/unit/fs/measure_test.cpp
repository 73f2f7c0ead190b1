#include "fs/measure.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace keepdav;

TEST_CASE("measure_tree counts every entry and the bytes of the files, never through a symlink", "[unit][fs]") {
    test::temp_tree dir;
    dir.write("t/a.txt", "12345");
    dir.write("t/sub/b.txt", "123");
    dir.write("t/sub/deeper/c.txt", "");
    dir.write("outside/big.bin", std::string(1000, 'x'));
    std::filesystem::create_directory_symlink(dir.path() / "outside", dir.path() / "t/link");
    auto tree = fs::tree::open_root(dir.path());
    REQUIRE(tree.has_value());

    auto size = fs::measure_tree(*tree, "t", true, {});
    REQUIRE(size.has_value());
    CHECK(size->items == 7); // t, a.txt, sub, b.txt, deeper, c.txt, link
    CHECK(size->bytes == 8);
    auto items_only = fs::measure_tree(*tree, "t", false, {});
    REQUIRE(items_only.has_value());
    CHECK(items_only->items == 7);
    CHECK(items_only->bytes == 0);

    auto file = fs::measure_tree(*tree, "t/a.txt", true, {});
    REQUIRE(file.has_value());
    CHECK(file->items == 1);
    CHECK(file->bytes == 5);

    CHECK_FALSE(fs::measure_tree(*tree, "missing", true, {}).has_value());
    std::stop_source stop;
    stop.request_stop();
    CHECK(fs::measure_tree(*tree, "t", true, stop.get_token()).error() == boost::system::errc::operation_canceled);
}
