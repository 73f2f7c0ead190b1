#pragma once
// HTTP Basic authentication (RFC 7617) against an htpasswd file. Hashes are checked with the
// system's crypt (libxcrypt: bcrypt $2y$/$2b$, SHA-crypt $5$/$6$, yescrypt $y$), results compared in
// constant time; a successful check is remembered for a while so that bcrypt's deliberate slowness
// is paid once per client and password, not once per request.
#include <boost/system/result.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace keepdav::server {

class basic_auth {
public:
    /** Reads `file` ("user:hash" per line); a line in a form this server cannot check is an error. */
    static boost::system::result<std::unique_ptr<basic_auth>, std::string> load(const std::filesystem::path& file);
    /** The "user:hash" lines of an htpasswd file, by user. */
    using hashes = std::unordered_map<std::string, std::string>;
    static boost::system::result<hashes, std::string> read(const std::filesystem::path& file);
    /** Checks against these users' hashes (not empty; an empty hash never matches). */
    explicit basic_auth(hashes users);

    /** True when the Authorization header's value names a user of the file with the right password. */
    bool verify(std::string_view authorization) { return bool(verified_user(authorization)); }
    /** The user the Authorization header names, when the password is right. */
    std::optional<std::string> verified_user(std::string_view authorization);

    /** Whether `hash` is in a form this server checks (bcrypt, SHA-crypt, yescrypt). */
    static bool supported_hash(std::string_view hash);

    /** The user name in an Authorization header (for logs), or "-". */
    static std::string user_of(std::string_view authorization);

private:
    bool check(const std::string& user, const std::string& password);

    std::unordered_map<std::string, std::string> users_;
    std::string decoy_hash_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> verified_; ///< digest -> until
};

} // namespace keepdav::server
