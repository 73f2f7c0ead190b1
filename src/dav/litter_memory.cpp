#include "dav/litter_memory.hpp"

#include <ctime>

namespace keepdav::dav {

void litter_memory::wrote(std::string_view rel, bool collection, clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_ && !entries_.count(rel)) {
        std::erase_if(entries_, [now](const auto& e) { return e.second.expires <= now; });
        // Still full: the oldest write goes (litter is only ever read back right after it is written).
        if (entries_.size() >= capacity_) {
            auto oldest = entries_.begin();
            for (auto it = entries_.begin(); it != entries_.end(); ++it)
                if (it->second.expires < oldest->second.expires) oldest = it;
            entries_.erase(oldest);
        }
    }
    entries_.insert_or_assign(std::string(rel), entry{collection, std::time(nullptr), now + keep_});
}

void litter_memory::removed(std::string_view rel) {
    std::lock_guard lock(mutex_);
    // Names that start with `rel` sort together, though not only its members ("a b" lies between "a"
    // and "a/b"): walk them all, erase what is `rel` or below it.
    for (auto it = entries_.lower_bound(rel); it != entries_.end() && it->first.starts_with(rel);) {
        if (it->first.size() == rel.size() || it->first[rel.size()] == '/')
            it = entries_.erase(it);
        else
            ++it;
    }
}

std::optional<litter_memory::entry> litter_memory::find(std::string_view rel, clock::time_point now) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(rel);
    if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
    return it->second;
}

std::size_t litter_memory::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

} // namespace keepdav::dav
