// The If header: parsing and evaluation never crash, hang or read out of bounds.
#include "dav/if_header.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = keepdav::dav::parse_if_header(text);
    if (!parsed) return 0;
    auto state_of = [](std::string_view path) {
        keepdav::dav::resource_state s;
        if (path.size() % 2 == 0) s.etag = "\"e\"";
        s.lock_tokens = {"urn:uuid:1"};
        return s;
    };
    keepdav::dav::evaluate_if_header(*parsed, "a/b", "host:8080", false, state_of);
    keepdav::dav::submitted_tokens(*parsed);
    return 0;
}
