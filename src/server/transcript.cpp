#include "server/transcript.hpp"

#include "json.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace keepdav::server {

namespace {

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    return text;
}

} // namespace

std::string to_json(const request_record& r) {
    std::string out = "{\"time\":" + json_string(r.time) + ",\"remote\":" + json_string(r.remote) +
                      ",\"method\":" + json_string(r.method) + ",\"target\":" + json_string(r.target) +
                      ",\"http_version\":" + (r.version >= 11 ? "\"1.1\"" : "\"1.0\"") +
                      ",\"user_agent\":" + json_string(r.user_agent) + ",\"interim\":[";
    for (std::size_t i = 0; i < r.interims.size(); ++i) {
        if (i) out.push_back(',');
        out += "{\"t\":" + number(r.interims[i].t) + ",\"status\":" + std::to_string(r.interims[i].status) + "}";
    }
    out += "],\"status\":" + (r.status ? std::to_string(*r.status) : std::string("null"));
    out += ",\"client_gone\":" + std::string(r.client_gone ? "true" : "false");
    out += ",\"timings\":{\"first_interim_s\":" + (r.interims.empty() ? std::string("null") : number(r.interims.front().t));
    out += ",\"final_s\":" + (r.final_t ? number(*r.final_t) : std::string("null"));
    out += ",\"total_s\":" + number(r.total) + "}}";
    return out;
}

} // namespace keepdav::server
