#pragma once
// What a long operation has done so far. The worker updates it per resource; the connection pulls a
// snapshot only when a 102 is due, so a tree of millions of entries never floods the I/O thread.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace keepdav::dav {

class operation_progress {
public:
    /** At most this many finished resources are kept for the next 102's Status-URI. */
    static constexpr std::size_t recent_limit = 8;

    struct finished {
        unsigned status;
        std::string rel;
        bool collection;
    };
    /** How far it has come, and how far it goes where that is known (0 totals: not known). */
    struct counts {
        std::uint64_t items = 0;
        std::uint64_t bytes = 0;
        std::uint64_t items_total = 0;
        std::uint64_t bytes_total = 0;
        bool totals_known() const { return items_total != 0 || bytes_total != 0; }
    };
    struct snapshot : counts {
        std::vector<finished> recent; ///< finished since the previous snapshot (the latest few)
    };

    void item_done(unsigned status, std::string_view rel, bool collection);
    void add_bytes(std::uint64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }
    /** What a part of the operation about to start will count, once the worker has measured it. */
    void add_totals(std::uint64_t items, std::uint64_t bytes) {
        bytes_total_.fetch_add(bytes, std::memory_order_relaxed);
        items_total_.fetch_add(items, std::memory_order_relaxed);
    }
    /** Counts so far, and the finished resources since the last call. */
    snapshot take();
    /** Counts so far, leaving the finished resources for the next take(). */
    counts peek() const;

private:
    std::atomic<std::uint64_t> items_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> items_total_{0};
    std::atomic<std::uint64_t> bytes_total_{0};
    std::mutex mutex_;
    std::deque<finished> recent_;
};

} // namespace keepdav::dav
