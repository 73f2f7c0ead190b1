#include "locks/claim_keys.hpp"

namespace keepdav::locks {

std::int64_t stable_key(std::string_view salt, std::string_view text) {
    std::uint64_t h = 14695981039346656037ull;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    };
    mix(salt);
    mix(std::string_view("\0", 1));
    mix(text);
    return static_cast<std::int64_t>(h);
}

std::map<std::int64_t, bool> claim_keys(const std::vector<path_claim>& claims) {
    auto key = [](std::string_view path) { return stable_key("keepdav-claim", path); };
    std::map<std::int64_t, bool> keys;
    for (const auto& c : claims) {
        keys[key(c.path)] = true;
        if (c.path.empty()) continue; // the root has no ancestor
        for (auto slash = c.path.rfind('/');; slash = c.path.rfind('/', slash - 1)) {
            auto ancestor = slash == std::string::npos ? std::string_view() : std::string_view(c.path).substr(0, slash);
            keys.emplace(key(ancestor), false); // emplace: an exclusive claim of the ancestor itself wins
            if (slash == std::string::npos || slash == 0) break;
        }
    }
    return keys;
}

} // namespace keepdav::locks
