#include "cli/service_options.hpp"

#include "dav/target.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/version.hpp>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include <stdexcept>

#ifndef KEEPDAV_VERSION
#define KEEPDAV_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace keepdav {

void add_service_options(po::options_description& options, service_options& into) {
    options.add_options()
        ("prefix", po::value(&into.prefix)->value_name("PATH")->default_value("/"),
         "serve the share under this path (/dav), for a reverse proxy that routes by path: requests "
         "outside it get 404, and every URL keepdav writes is under it")
        ("socket-mode", po::value(&into.socket_mode)->value_name("OCTAL")->default_value(into.socket_mode),
         "permissions of the socket file of a --listen unix:PATH (who may connect: its owner and group)");
}

void apply_service_options(const service_options& given, server_config& config) {
    try {
        config.path_prefix = dav::normalize_prefix(given.prefix);
    } catch (const std::invalid_argument& e) {
        throw po::error("--prefix \"" + given.prefix + "\": " + e.what());
    }
    std::size_t used = 0;
    unsigned long mode = 010000;
    try {
        mode = std::stoul(given.socket_mode, &used, 8);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != given.socket_mode.size() || mode > 0777)
        throw po::error("--socket-mode takes octal permissions from 0 to 0777 (got \"" + given.socket_mode + "\")");
    for (auto& l : config.listen) l.unix_mode = static_cast<unsigned>(mode);
}

std::string version_text() {
    auto boost_version = std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                         std::to_string(BOOST_VERSION % 100);
    return std::string("keepdav ") + KEEPDAV_VERSION + "\nBoost " + boost_version + "\n" +
           OpenSSL_version(OPENSSL_VERSION) + " (built with " + OPENSSL_VERSION_TEXT + ")\n";
}

} // namespace keepdav
