#include "server/interim_policy.hpp"

namespace keepdav::server {

interim_policy::interim_policy(const server_config& config)
    : enabled_(config.processing_enabled), after_(config.processing_after), interval_(config.processing_interval) {
    for (const auto& pattern : config.no_processing_for) deny_.emplace_back(pattern, std::regex::ECMAScript);
}

interim_schedule::settings interim_policy::settings_for(unsigned http_version, std::string_view user_agent) const {
    interim_schedule::settings s;
    s.after = after_;
    s.interval = interval_;
    s.enabled = enabled_ && http_version >= 11;
    if (s.enabled)
        for (const auto& re : deny_)
            if (std::regex_search(user_agent.begin(), user_agent.end(), re)) {
                s.enabled = false;
                break;
            }
    return s;
}

} // namespace keepdav::server
