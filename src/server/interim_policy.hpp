#pragma once
// Who may receive 102 Processing at all: never HTTP/1.0 (RFC 9110 §15.2), never a user agent on the
// deny-list, never when turned off.
#include "server/interim_schedule.hpp"

#include <keepdav/config.hpp>

#include <regex>
#include <string_view>
#include <vector>

namespace keepdav::server {

class interim_policy {
public:
    /** Compiles the deny-list; throws std::regex_error on a bad expression. */
    explicit interim_policy(const server_config& config);

    /** The schedule settings for one request. */
    interim_schedule::settings settings_for(unsigned http_version, std::string_view user_agent) const;

private:
    bool enabled_;
    std::chrono::milliseconds after_;
    std::chrono::milliseconds interval_;
    std::vector<std::regex> deny_;
};

} // namespace keepdav::server
