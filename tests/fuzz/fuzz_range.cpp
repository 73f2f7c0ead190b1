// Range headers: any answer must lie within the file. Content-Range and X-Update-Range (partial
// updates): any span parsed from a PUT's Content-Range runs forwards; none may crash.
#include "http/byte_range.hpp"
#include "http/update_range.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (std::uint64_t file_size : {0ull, 1ull, 100ull, 1ull << 40}) {
        auto r = keepdav::http_util::parse_range(text, file_size);
        if (r.type == keepdav::http_util::range_request::kind::partial &&
            (r.length == 0 || r.offset >= file_size || r.offset + r.length > file_size))
            std::abort();
    }
    if (auto put = keepdav::http_util::parse_content_range(text);
        put && (put->type != keepdav::http_util::update_range::kind::span || put->last < put->first))
        std::abort();
    (void)keepdav::http_util::parse_x_update_range(text);
    return 0;
}
