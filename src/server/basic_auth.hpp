#pragma once
// HTTP Basic authentication (RFC 7617) against an htpasswd file. Hashes are checked with the
// system's crypt (libxcrypt: bcrypt $2y$/$2b$, SHA-crypt $5$/$6$, yescrypt $y$), results compared in
// constant time. Checks are slow by design (bcrypt): server/password_checks runs them off the I/O
// threads and remembers the good ones.
#include <boost/system/result.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace keepdav::server {

/** What a user table says of one (user, password). */
enum class password_verdict { ok, wrong_password, unknown_user };

class basic_auth {
public:
    /** Reads `file` ("user:hash" per line); a line in a form this server cannot check is an error. */
    static boost::system::result<std::unique_ptr<basic_auth>, std::string> load(const std::filesystem::path& file);
    /** The "user:hash" lines of an htpasswd file, by user. */
    using hashes = std::unordered_map<std::string, std::string>;
    static boost::system::result<hashes, std::string> read(const std::filesystem::path& file);
    /** Checks against these users' hashes (not empty; an empty hash never matches). */
    explicit basic_auth(hashes users);

    /**
     * Hashes `password` as `user`'s entry says (an unknown user against a decoy entry of the same
     * cost, so that a wrong name takes as long as a wrong password). Thread-safe; slow.
     */
    password_verdict check(const std::string& user, const std::string& password) const;

    /** The (user, password) of a `Basic` Authorization value, or nothing when it is not one. */
    static std::optional<std::pair<std::string, std::string>> credentials(std::string_view authorization);

    /** Whether `hash` is in a form this server checks (bcrypt, SHA-crypt, yescrypt). */
    static bool supported_hash(std::string_view hash);

    /** The user name in an Authorization header (for logs), or "-". */
    static std::string user_of(std::string_view authorization);

private:
    std::unordered_map<std::string, std::string> users_;
    std::string decoy_hash_;
};

} // namespace keepdav::server
