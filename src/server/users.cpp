#include "server/users.hpp"

#include "fs/tree_ops.hpp"
#include "server/lock_tables.hpp"

namespace keepdav::server {

namespace {

/** A tree other than the server's, with its own lock table. */
struct own_space {
    fs::tree tree;
    std::unique_ptr<locks::lock_store> locks;
};

boost::system::result<space, std::string> open_space(const server_config& config, const std::filesystem::path& root) {
    auto tree = fs::tree::open_root(root);
    if (!tree) return "cannot serve " + root.string() + ": " + tree.error().message();
    auto info = fs::stat_fd(tree->root_fd());
    if (!info || !info->is_directory()) return "cannot serve " + root.string() + ": not a directory";
    auto s = std::make_shared<own_space>(own_space{std::move(*tree), nullptr});
    try {
        s->locks = open_lock_table(config, s->tree.root_path());
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    return space{&s->tree, s->locks.get(), s};
}

} // namespace

boost::system::result<std::shared_ptr<const users_table>, std::string> users_table::build(
    const server_config& config, const space& server_space, const users_table* previous) {
    auto table = std::make_shared<users_table>();
    basic_auth::hashes hashes;
    if (!config.auth_file.empty()) {
        auto file = basic_auth::read(config.auth_file);
        if (!file) return file.error();
        // --auth-file's users keep what they always had: the server's root, writable.
        for (const auto& [name, hash] : *file) table->users_[name] = user{name, dav::access_rules{}, server_space};
        hashes = std::move(*file);
    }
    auto& spaces = table->spaces_;
    auto server_root = std::filesystem::weakly_canonical(server_space.tree->root_path());
    for (const auto& u : config.users) {
        if (table->users_.count(u.name)) return "user \"" + u.name + "\" is in both --auth-file and the [[user]] entries";
        space where = server_space;
        if (!u.root.empty()) {
            auto root = std::filesystem::weakly_canonical(u.root);
            if (root != server_root) {
                auto it = spaces.find(root);
                if (it == spaces.end() && previous)
                    if (auto old = previous->spaces_.find(root); old != previous->spaces_.end())
                        it = spaces.emplace(root, old->second).first;
                if (it == spaces.end()) {
                    auto opened = open_space(config, root);
                    if (!opened) return "user \"" + u.name + "\": " + opened.error();
                    it = spaces.emplace(root, *opened).first;
                }
                where = it->second;
            }
        }
        table->users_[u.name] = user{u.name, dav::access_rules(u.access, u.rules), where};
        hashes[u.name] = u.password_hash;
    }
    table->passwords_ = std::make_unique<basic_auth>(std::move(hashes));
    if (config.anonymous != access_level::none)
        table->anonymous_ = user{"anonymous", dav::access_rules(config.anonymous, {}), server_space};
    return std::shared_ptr<const users_table>(std::move(table));
}

const user* users_table::find(std::string_view name) const {
    auto it = users_.find(name);
    return it == users_.end() ? nullptr : &it->second;
}

password_verdict users_table::check_password(const std::string& name, const std::string& password) const {
    return passwords_->check(name, password);
}

} // namespace keepdav::server
