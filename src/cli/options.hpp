#pragma once
// keepdav's settings as boost::program_options options: the one list the command line, the
// configuration file (keys are the long option names) and --check-config all read.
#include "cli/cluster_options.hpp"
#include "cli/service_options.hpp"

#include <keepdav/config.hpp>

#include <boost/program_options.hpp>

#include <memory>
#include <string>
#include <vector>

namespace keepdav::cli {

namespace po = boost::program_options;

/**
 * The option descriptions and the variables they fill. Settings are what a configuration file may
 * set too; the command-only options (--help, --config, --check-config) make no sense in a file.
 * Not copyable: the descriptions point into it.
 */
struct option_set {
    option_set();
    option_set(const option_set&) = delete;
    option_set& operator=(const option_set&) = delete;

    po::options_description settings;
    po::options_description command_only;
    po::options_description all; ///< both, for the command line and --help

    // What po::notify fills; to_config() checks them and makes a server_config.
    server_config config;
    std::string root;
    std::vector<std::string> listen, deny;
    std::string proxy_interims = "4";
    double after = 3, interval = 5, grace = 30, max_lock = 7 * 24 * 3600, monitor_keep = 3600;
    double upload_expiry = 24 * 3600; ///< --upload-expiry
    std::string state_dir, transcript, auth_file, tls_cert, tls_key, access_log, anonymous = "off", auth_header;
    double header_timeout = 30, body_timeout = 60, idle_timeout = 60, write_timeout = 60;
    bool no_infinity = false, no_processing = false, verbose = false, check_config = false;
    std::string config_file;
    service_options service;    ///< --prefix, --socket-mode, --version
    cluster_options cluster;    ///< --lock-store
    std::string metrics_listen; ///< HOST:PORT
};

/** The server configuration the stored, notified options say; throws po::error naming a bad one. */
server_config to_config(option_set& o, const po::variables_map& vm);

} // namespace keepdav::cli
