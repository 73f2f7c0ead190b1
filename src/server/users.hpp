#pragma once
// The users a server knows ([[user]] entries and --auth-file lines): who they are, which tree they see
// as "/", and what they may do where. Built once at start, immutable, shared by the requests that use it.
#include "dav/access_rules.hpp"
#include "fs/tree.hpp"
#include "locks/lock_store.hpp"
#include "server/basic_auth.hpp"

#include <keepdav/config.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace keepdav::server {

/**
 * A served tree and the locks on it. Users with the same root share one; users with different roots
 * see neither each other's files nor each other's locks (RFC 4918 §6: a lock belongs to its URL space).
 */
struct space {
    const fs::tree* tree;
    locks::lock_store* locks;
    std::shared_ptr<void> owned; ///< what tree and locks point into, for a root other than the server's
};

struct user {
    std::string name;
    dav::access_rules rules;
    space where;
};

class users_table {
public:
    /**
     * The users of `config` (its [[user]] entries and --auth-file), each in their space: the server's
     * own (`server_space`) or one opened for their root, with a lock table in the state directory.
     * An error names what is wrong (a root that cannot be served, a name given twice). A root the
     * `previous` table serves keeps its space: its locks carry over a reload.
     */
    static boost::system::result<std::shared_ptr<const users_table>, std::string> build(
        const server_config& config, const space& server_space, const users_table* previous = nullptr);

    /** Whether `password` is `name`'s (slow by design: server/password_checks calls it off the I/O threads). */
    password_verdict check_password(const std::string& name, const std::string& password) const;
    /** The user called `name` (named by a trusted proxy's --auth-header); null if there is none. */
    const user* find(std::string_view name) const;
    /** Who a request without credentials is (--anonymous), with the access it has; null: nobody. */
    const user* anonymous() const { return anonymous_ ? &*anonymous_ : nullptr; }

private:
    std::map<std::string, user, std::less<>> users_;
    std::unique_ptr<basic_auth> passwords_;
    std::optional<user> anonymous_;
    std::map<std::filesystem::path, space> spaces_; ///< by canonical root: users with the same root share its locks
};

} // namespace keepdav::server
