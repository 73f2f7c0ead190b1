#pragma once
// The options of a node in a cluster: --lock-store. Kept apart from main's other options so that
// each block is read, validated and merged on its own.
#include <keepdav/config.hpp>

#include <boost/program_options/options_description.hpp>

#include <string>

namespace keepdav {

struct cluster_options {
    std::string lock_store = "file";
};

/** Adds --lock-store to `options`, writing into `into`. */
void add_cluster_options(boost::program_options::options_description& options, cluster_options& into);

/** Checks what was given and puts it into `config`; throws boost::program_options::error saying why. */
void apply_cluster_options(const cluster_options& given, server_config& config);

} // namespace keepdav
