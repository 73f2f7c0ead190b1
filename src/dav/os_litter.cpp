#include "dav/os_litter.hpp"

#include <array>

namespace keepdav::dav {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if ((x >= 'A' && x <= 'Z' ? x + 32 : x) != (y >= 'A' && y <= 'Z' ? y + 32 : y)) return false;
    }
    return true;
}

} // namespace

bool is_os_litter(std::string_view name) {
    // "._" alone is an ordinary (odd) name; AppleDouble files always carry the name they shadow.
    if (name.size() > 2 && name.starts_with("._")) return true;
    // macOS names these exactly; NTFS and FAT are case-insensitive, so Explorer's may come in any case.
    static constexpr std::array<std::string_view, 5> mac = {".DS_Store", ".Spotlight-V100", ".Trashes",
                                                             ".TemporaryItems", ".fseventsd"};
    for (auto m : mac)
        if (name == m) return true;
    return iequals(name, "Thumbs.db") || iequals(name, "desktop.ini");
}

bool path_has_os_litter(std::string_view rel) {
    while (!rel.empty()) {
        auto slash = rel.find('/');
        if (is_os_litter(rel.substr(0, slash))) return true;
        if (slash == std::string_view::npos) break;
        rel.remove_prefix(slash + 1);
    }
    return false;
}

} // namespace keepdav::dav
