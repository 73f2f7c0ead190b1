#pragma once
// The options that place keepdav in a system: --prefix (a path behind a reverse proxy), the socket
// mode of --listen unix:PATH, --version. Kept apart from main's other options so that each block is
// read, validated and merged on its own.
#include <keepdav/config.hpp>

#include <boost/program_options/options_description.hpp>

#include <string>

namespace keepdav {

struct service_options {
    std::string prefix;
    std::string socket_mode = "0660";
    bool version = false;
};

/** Adds --prefix and --socket-mode to `options`, writing into `into` (--version is command-line only: cli/options). */
void add_service_options(boost::program_options::options_description& options, service_options& into);

/** Checks what was given and puts it into `config`; throws boost::program_options::error saying why. */
void apply_service_options(const service_options& given, server_config& config);

/** What --version prints: keepdav's version and the Boost and OpenSSL it was built with and runs on. */
std::string version_text();

} // namespace keepdav
