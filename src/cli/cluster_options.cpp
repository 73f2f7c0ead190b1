#include "cli/cluster_options.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

namespace po = boost::program_options;

namespace keepdav {

void add_cluster_options(po::options_description& options, cluster_options& into) {
    options.add_options()
        ("lock-store", po::value(&into.lock_store)->value_name("file|URL")->default_value(into.lock_store),
         "where the lock table lives: 'file' (this node's own, in --state-dir) or a PostgreSQL URL "
         "(postgresql://user@host/db) that several nodes behind a balancer share");
}

void apply_cluster_options(const cluster_options& given, server_config& config) {
    const auto& s = given.lock_store;
    if (s == "file") {
        config.lock_store.clear();
        return;
    }
    bool url = s.starts_with("postgresql://") || s.starts_with("postgres://");
    if (!url || s.find_first_of(" \t\r\n") != std::string::npos)
        throw po::error("--lock-store takes 'file' or a postgresql:// URL (got \"" + s + "\")");
    config.lock_store = s;
}

} // namespace keepdav
