#pragma once
// A keepdav server in this process on 127.0.0.1 and a port the system picks; stopped on scope exit.
#include <keepdav/server.hpp>

#include <string>

namespace keepdav::test {

class loopback_server {
public:
    explicit loopback_server(server_config config) : server_(prepare(std::move(config))) { server_.start(); }
    ~loopback_server() { server_.stop(); }

    /** "http://127.0.0.1:PORT" */
    std::string url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port()) + path;
    }
    std::uint16_t port() const { return server_.endpoints().at(0).port; }
    void stop() { server_.stop(); }

private:
    static server_config prepare(server_config config) {
        config.listen = {{"127.0.0.1", 0}};
        config.io_threads = 2;
        config.fs_threads = 2;
        return config;
    }
    instance server_;
};

} // namespace keepdav::test
