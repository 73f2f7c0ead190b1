// Request-targets and Destination headers: whatever parses must stay beneath the root and survive a
// round trip through href_for.
#include "dav/target.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
void require(bool condition) {
    if (!condition) std::abort();
}

void check_path(const keepdav::dav::resource_path& p) {
    std::string_view rel = p.rel;
    require(!rel.starts_with('/') && !rel.ends_with('/'));
    require(rel.find('\0') == std::string_view::npos && rel.find('\\') == std::string_view::npos);
    require(rel.find("//") == std::string_view::npos);
    for (std::size_t start = 0; start <= rel.size() && !rel.empty();) {
        auto end = rel.find('/', start);
        auto segment = rel.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        require(segment != "." && segment != ".." && !segment.empty());
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    auto again = keepdav::dav::parse_target(keepdav::dav::href_for(p.rel, false));
    require(again && again->rel == p.rel);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto p = keepdav::dav::parse_target(text)) check_path(*p);
    if (auto p = keepdav::dav::parse_destination(text, "host:8080", false)) check_path(*p);
    return 0;
}
