// Which names are macOS and Windows litter (--hide-os-litter).
#include "dav/os_litter.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::dav;

TEST_CASE("macOS and Windows litter names are recognised, and nothing else", "[dav][litter]") {
    for (auto name : {"._photo.jpg", "._x", ".DS_Store", ".Spotlight-V100", ".Trashes", ".TemporaryItems", ".fseventsd",
                      "Thumbs.db", "thumbs.db", "THUMBS.DB", "desktop.ini", "Desktop.ini"})
        CHECK(is_os_litter(name));
    for (auto name : {"._", "_.x", "photo.jpg", ".DS_Store2", ".ds_store", "Thumbs.db.bak", "my desktop.ini", ".Trash",
                      ".git", ""})
        CHECK_FALSE(is_os_litter(name));
}

TEST_CASE("A path is litter when any segment is", "[dav][litter]") {
    CHECK(path_has_os_litter("a/b/._c"));
    CHECK(path_has_os_litter(".Trashes/501/file"));
    CHECK(path_has_os_litter("Thumbs.db"));
    CHECK_FALSE(path_has_os_litter("a/b/c"));
    CHECK_FALSE(path_has_os_litter(""));
}
