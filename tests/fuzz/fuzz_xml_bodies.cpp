// Every XML request body parser, on arbitrary bytes.
#include "xml/request_bodies.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)keepdav::xml::parse_propfind(text);
    (void)keepdav::xml::parse_propertyupdate(text);
    (void)keepdav::xml::parse_lockinfo(text);
    return 0;
}
