#pragma once
// `--config FILE`: a TOML file whose top-level keys are the long option names (options.hpp), fed through
// program_options like a second command line, plus the [[user]] entries that have no flag.
#include "cli/options.hpp"

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace keepdav::cli {

/** A file that cannot be used: every message names the file and line ("f.toml:12: ..."). */
struct config_file_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct config_file {
    std::filesystem::path path;
    /** The settings, one po::option per value (an array gives one per element). */
    po::parsed_options settings{nullptr};
    std::vector<int> lines; ///< the source line of each of settings.options
    std::vector<user_config> users;
    std::map<std::string, int> stored; ///< the keys store() took from the file (not overridden), with their lines
};

/**
 * Reads and checks `file` against `settings` (the keys it may set). Throws config_file_error listing
 * every problem found: TOML syntax, unknown keys, values of the wrong kind, bad [[user]] entries.
 */
config_file read_config_file(const std::filesystem::path& file, const po::options_description& settings);

/**
 * Stores the file's settings in `vm`. Call it after storing the command line: program_options keeps
 * the first value stored, so flags override the file. A value an option rejects throws
 * config_file_error naming its line.
 */
void store(config_file& file, po::variables_map& vm);

/**
 * `message` (an error of to_config, which names options as "--key") with the file and line of the
 * first key it names that the file set, so that an error of a value checked after parsing points
 * into the file too; unchanged when it names none.
 */
std::string locate(const config_file& file, const std::string& message);

/**
 * The effective configuration as TOML: every setting in `settings` with its value (from the command
 * line, the file or its default; a setting with no value is a comment), each with its description as
 * a comment, then the users with their password hashes masked.
 */
std::string effective_toml(const po::options_description& settings, const po::variables_map& vm,
                           const std::vector<user_config>& users);

} // namespace keepdav::cli
