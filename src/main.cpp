// keepdav: serve a directory tree over WebDAV, with 102 Processing while long operations run.
#include "cli/config_file.hpp"
#include "cli/options.hpp"
#include "log.hpp"
#include "service_manager.hpp"

#include <keepdav/server.hpp>


#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include <pthread.h>
#include <sys/resource.h>

namespace po = boost::program_options;

namespace {

constexpr int usage_error = 2;

/** Lets the process hold many connections and open directories (deep trees, idle keep-alive). */
void raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

/** Adds the --config file's settings to the command line's `vm` (flags win) and makes the configuration. */
void read_file_and_check(po::variables_map& vm, keepdav::cli::option_set& options, keepdav::server_config& config) {
    std::optional<keepdav::cli::config_file> file;
    if (vm.count("config")) {
        file = keepdav::cli::read_config_file(vm["config"].as<std::string>(), options.settings);
        keepdav::cli::store(*file, vm);
    }
    po::notify(vm);
    try {
        config = keepdav::cli::to_config(options, vm);
    } catch (const po::error& e) {
        if (!file) throw;
        throw keepdav::cli::config_file_error(keepdav::cli::locate(*file, e.what()));
    }
    if (file) config.users = std::move(file->users);
}

/** SIGHUP: the users of the configuration as it is now; a bad file keeps the old ones, and says why. */
void reload_users(int argc, char** argv, keepdav::instance& server) {
    keepdav::cli::option_set options;
    keepdav::server_config fresh;
    std::string error;
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options.all), vm);
        read_file_and_check(vm, options, fresh);
        error = server.reload_users(fresh);
    } catch (const std::exception& e) { // config_file_error, po::error
        error = e.what();
    }
    if (!error.empty())
        keepdav::log::error("SIGHUP: the configuration was not reloaded, the users stay as they were: " + error);
    else
        keepdav::log::info("SIGHUP: users reloaded: " + std::to_string(fresh.users.size()) + " [[user]] entries");
}

/**
 * The configuration the command line and its --config file say: flags first, then the file, so that
 * flags win. Prints --help or --check-config's answer itself; answers an exit code to return at once.
 */
std::optional<int> configure(int argc, char** argv, keepdav::cli::option_set& options, keepdav::server_config& config) {
    bool check = false;
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options.all), vm);
        check = vm.count("check-config") && vm["check-config"].as<bool>();
        if (vm.count("help")) {
            std::cout << options.all << "\n";
            return 0;
        }
        if (vm.count("version") && vm["version"].as<bool>()) {
            std::cout << keepdav::version_text();
            return 0;
        }
        read_file_and_check(vm, options, config);
        if (check) {
            std::cout << "# keepdav --check-config: the configuration is valid"
                      << keepdav::cli::effective_toml(options.settings, vm, config.users);
            return 0;
        }
    } catch (const keepdav::cli::config_file_error& e) {
        std::cerr << e.what() << "\n";
        return usage_error;
    } catch (const po::error& e) {
        std::cerr << "keepdav: " << e.what() << "\n" << (check ? "" : "Try 'keepdav --help'.\n");
        return usage_error;
    }
    return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
    keepdav::server_config config;
    keepdav::cli::option_set options;
    if (auto exit_code = configure(argc, argv, options, config)) return *exit_code;
    // Socket activation: systemd's sockets are served, with any --listen besides.
    for (int fd : keepdav::inherited_sockets()) {
        config.listen.emplace_back();
        config.listen.back().inherited_fd = fd;
    }
    if (config.listen.empty()) config.listen.push_back({"127.0.0.1", 8080});
    bool verbose = options.verbose;
    if (verbose) keepdav::log::set_threshold(keepdav::log::level::debug);
    raise_descriptor_limit();

    // Signals are taken by this thread alone (sigwait); every server thread inherits the block.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    keepdav::instance server(config);
    try {
        server.start();
    } catch (const std::exception& e) {
        std::cerr << "keepdav: " << e.what() << "\n";
        return 1;
    }
    for (const auto& ep : server.endpoints()) {
        if (!ep.unix_path.empty()) {
            std::printf("listening on unix:%s\n", ep.unix_path.c_str());
            continue;
        }
        bool v6 = ep.host.find(':') != std::string::npos;
        std::printf("listening on %s%s%s:%u\n", v6 ? "[" : "", ep.host.c_str(), v6 ? "]" : "", ep.port);
    }
    std::fflush(stdout);
    keepdav::notify_service_manager("READY=1");
    keepdav::log::info("serving " + config.root.string());
    if (!config.auth_file.empty() || !config.users.empty())
        for (const auto& ep : server.endpoints()) {
            if (!ep.unix_path.empty()) continue; // never leaves the machine
            auto address = boost::asio::ip::make_address(ep.host);
            if (!address.is_loopback() && config.tls_cert.empty())
                keepdav::log::warning("Basic authentication without TLS on " + ep.host +
                                      ": passwords cross the network in clear text");
        }

    int signal_number = 0;
    while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) reload_users(argc, argv, server);
    keepdav::log::info(std::string("got ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                       ": finishing running requests, then exiting");
    keepdav::notify_service_manager("STOPPING=1");
    server.stop();
    keepdav::log::info("stopped");
    return 0;
}
