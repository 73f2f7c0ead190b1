#include "server/descriptor_budget.hpp"

#include <algorithm>

namespace keepdav::server {

unsigned default_max_connections(std::uint64_t nofile, unsigned fs_threads) {
    constexpr std::uint64_t for_the_process = 64, per_worker = 16, per_connection = 2;
    constexpr std::uint64_t floor = 8, ceiling = 10000;
    std::uint64_t reserved = for_the_process + per_worker * fs_threads;
    std::uint64_t spare = nofile > reserved ? nofile - reserved : 0;
    return static_cast<unsigned>(std::clamp(spare / per_connection, floor, ceiling));
}

} // namespace keepdav::server
