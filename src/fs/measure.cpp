#include "fs/measure.hpp"

#include "fs/walk.hpp"

namespace keepdav::fs {

result<tree_size> measure_tree(const tree& t, std::string_view rel, bool with_bytes, std::stop_token stop) {
    auto start = t.stat(rel);
    if (!start) return start.error();
    if (!start->is_directory()) return tree_size{1, start->size};
    tree_size size{1, 0};
    walk_visitor visitor;
    visitor.member = [&](const walk_entry& e) {
        if (e.type == entry_type::other) return walk_step::next;
        ++size.items;
        if (with_bytes && e.type == entry_type::file)
            if (auto info = stat_at(e.dir_fd, e.name.data())) size.bytes += info->size;
        return walk_step::next;
    };
    walk_options options;
    options.stop = stop;
    options.max_depth = max_tree_depth;
    if (auto ec = walk(t, rel, options, visitor)) return ec;
    return size;
}

} // namespace keepdav::fs
