#include "server/basic_auth.hpp"

#include "http/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <crypt.h>

#include <fstream>
#include <memory>
#include <optional>

namespace keepdav::server {

namespace {

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0 || text.size() > 8192) return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock counts the bytes the padding stands for as zeros: drop them.
    std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

} // namespace

std::optional<std::pair<std::string, std::string>> basic_auth::credentials(std::string_view authorization) {
    authorization = http_util::trim_ows(authorization);
    auto space = authorization.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto scheme = authorization.substr(0, space);
    if (scheme.size() != 5 || (scheme[0] | 0x20) != 'b' || (scheme[1] | 0x20) != 'a' || (scheme[2] | 0x20) != 's' ||
        (scheme[3] | 0x20) != 'i' || (scheme[4] | 0x20) != 'c')
        return std::nullopt;
    auto decoded = base64_decode(http_util::trim_ows(authorization.substr(space + 1)));
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

boost::system::result<basic_auth::hashes, std::string> basic_auth::read(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return "cannot read the password file " + file.string();
    hashes users;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0)
            return file.string() + ":" + std::to_string(number) + ": not user:hash";
        auto hash = line.substr(colon + 1);
        if (!supported_hash(hash))
            return file.string() + ":" + std::to_string(number) +
                   ": unsupported hash (use bcrypt, htpasswd -B, or SHA-crypt, htpasswd -5 / mkpasswd -m sha-512)";
        users[line.substr(0, colon)] = hash;
    }
    if (users.empty()) return "the password file " + file.string() + " names no user";
    return users;
}

boost::system::result<std::unique_ptr<basic_auth>, std::string> basic_auth::load(const std::filesystem::path& file) {
    auto users = read(file);
    if (!users) return users.error();
    return std::make_unique<basic_auth>(std::move(*users));
}

basic_auth::basic_auth(hashes users) : users_(std::move(users)) {
    // Checked for unknown users, with a real user's salt and cost, so that a wrong name takes as long
    // as a wrong password.
    for (const auto& [name, hash] : users_) {
        if (hash.empty()) continue;
        crypt_data data{};
        const char* decoy = ::crypt_r("keepdav-decoy", hash.c_str(), &data);
        decoy_hash_ = decoy ? decoy : hash;
        break;
    }
}

bool basic_auth::supported_hash(std::string_view hash) {
    for (auto prefix : {"$2y$", "$2b$", "$2a$", "$5$", "$6$", "$y$", "$7$", "$gy$"})
        if (hash.starts_with(prefix)) return true;
    return false;
}

std::string basic_auth::user_of(std::string_view authorization) {
    auto c = credentials(authorization);
    return c ? c->first : std::string("-");
}

password_verdict basic_auth::check(const std::string& user, const std::string& password) const {
    auto it = users_.find(user);
    if (it != users_.end() && it->second.empty()) it = users_.end(); // no password: no Basic login
    if (decoy_hash_.empty()) return password_verdict::unknown_user;
    const std::string& hash = it == users_.end() ? decoy_hash_ : it->second;
    auto data = std::make_unique<crypt_data>();
    const char* computed = ::crypt_r(password.c_str(), hash.c_str(), data.get());
    if (it == users_.end()) return password_verdict::unknown_user;
    if (!computed || computed[0] == '*') return password_verdict::wrong_password;
    std::string_view result(computed);
    bool same = result.size() == hash.size() && CRYPTO_memcmp(result.data(), hash.data(), hash.size()) == 0;
    return same ? password_verdict::ok : password_verdict::wrong_password;
}

} // namespace keepdav::server
