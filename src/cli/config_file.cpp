#include "cli/config_file.hpp"

#include "server/basic_auth.hpp"

#include <toml++/toml.h>

#include <boost/any.hpp>

#include <charconv>
#include <cstdint>
#include <set>
#include <sstream>

namespace keepdav::cli {

namespace {

/** Collects every problem of a file, each with its line, to report them all at once. */
struct problems {
    std::string file;
    std::vector<std::string> list;

    void add(const toml::source_region& where, const std::string& what) {
        list.push_back(file + ":" + std::to_string(where.begin.line) + ": " + what);
    }
};

std::string shortest(double value) {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

/** A scalar as the token a command line would give; nullopt for a table or array. */
std::optional<std::string> token_of(const toml::node& node) {
    if (auto s = node.as_string()) return s->get();
    if (auto i = node.as_integer()) return std::to_string(i->get());
    if (auto f = node.as_floating_point()) return shortest(f->get());
    if (auto b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
    return std::nullopt;
}

std::optional<access_level> parse_level(std::string_view text, bool none_allowed) {
    if (text == "read") return access_level::read;
    if (text == "write") return access_level::write;
    if (text == "none" && none_allowed) return access_level::none;
    return std::nullopt;
}

/** "/shared/" -> "shared": the form of dav::resource_path::rel; nullopt for a path that escapes or is odd. */
std::optional<std::string> rule_path(std::string_view text) {
    if (text.empty() || text.front() != '/') return std::nullopt;
    std::string out;
    std::size_t start = 1;
    while (start <= text.size()) {
        auto end = text.find('/', start);
        if (end == std::string_view::npos) end = text.size();
        auto segment = text.substr(start, end - start);
        if (segment == "." || segment == "..") return std::nullopt;
        if (segment.empty() && end != text.size()) return std::nullopt; // "//"
        if (!segment.empty()) {
            if (!out.empty()) out += '/';
            out += segment;
        }
        start = end + 1;
    }
    return out;
}

user_config read_user(const toml::table& entry, problems& p, std::set<std::string>& names) {
    user_config user;
    user.line = static_cast<int>(entry.source().begin.line);
    bool named = false;
    for (auto&& [key, node] : entry) {
        auto k = key.str();
        auto text = node.value<std::string>();
        if (k == "rules") {
            auto table = node.as_table();
            if (!table) {
                p.add(node.source(), "rules is a table of path = \"none\" | \"read\" | \"write\"");
                continue;
            }
            for (auto&& [path, level] : *table) {
                auto rel = rule_path(path.str());
                auto value = level.value<std::string>();
                auto parsed = value ? parse_level(*value, true) : std::nullopt;
                if (!rel)
                    p.add(path.source(), "rule path \"" + std::string(path.str()) + "\" must start with / and have no . or .. or //");
                else if (!parsed)
                    p.add(level.source(), "rule for \"" + std::string(path.str()) + "\" must be \"none\", \"read\" or \"write\"");
                else
                    user.rules.emplace_back(*rel, *parsed);
            }
        } else if (!text) {
            p.add(node.source(), "user key " + std::string(k) + " takes a string");
        } else if (k == "name") {
            named = true;
            user.name = *text;
            if (text->empty() || text->find(':') != std::string::npos)
                p.add(node.source(), "user name must be non-empty and have no ':'");
            else if (*text == "anonymous")
                p.add(node.source(), "the user name \"anonymous\" is reserved (see the anonymous key)");
            else if (!names.insert(*text).second)
                p.add(node.source(), "user \"" + *text + "\" is defined twice");
        } else if (k == "password") {
            user.password_hash = *text;
            if (!server::basic_auth::supported_hash(*text))
                p.add(node.source(), "password must be a bcrypt (htpasswd -B) or SHA-crypt (mkpasswd -m sha-512) hash");
        } else if (k == "root") {
            user.root = *text;
            if (text->empty() || text->front() != '/') p.add(node.source(), "root must be an absolute path");
        } else if (k == "access") {
            auto level = parse_level(*text, false);
            if (!level)
                p.add(node.source(), "access must be \"read\" or \"write\"");
            else
                user.access = *level;
        } else {
            p.add(key.source(), "unknown user key \"" + std::string(k) + "\" (name, password, root, access, rules)");
        }
    }
    if (!named) p.add(entry.source(), "[[user]] without a name");
    return user;
}

std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
            out += buffer;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

/** A stored value as TOML, for the types keepdav's options use; nullopt for another type. */
std::optional<std::string> toml_value(const boost::any& value) {
    if (auto v = boost::any_cast<std::string>(&value)) return toml_string(*v);
    if (auto v = boost::any_cast<bool>(&value)) return std::string(*v ? "true" : "false");
    if (auto v = boost::any_cast<double>(&value)) {
        auto text = shortest(*v);
        if (text.find_first_of(".e") == std::string::npos && std::isfinite(*v)) text += ".0";
        return text;
    }
    if (auto v = boost::any_cast<int>(&value)) return std::to_string(*v);
    if (auto v = boost::any_cast<unsigned>(&value)) return std::to_string(*v);
    if (auto v = boost::any_cast<long>(&value)) return std::to_string(*v);
    if (auto v = boost::any_cast<unsigned long>(&value)) return std::to_string(*v);
    if (auto v = boost::any_cast<long long>(&value)) return std::to_string(*v);
    if (auto v = boost::any_cast<unsigned long long>(&value)) return std::to_string(*v);
    if (auto v = boost::any_cast<std::vector<std::string>>(&value)) {
        std::string out = "[";
        for (const auto& item : *v) out += (out.size() > 1 ? ", " : "") + toml_string(item);
        return out + "]";
    }
    return std::nullopt;
}

std::string_view level_name(access_level level) {
    switch (level) {
    case access_level::none: return "none";
    case access_level::read: return "read";
    case access_level::write: return "write";
    }
    return "none";
}

/** A description as comment lines of at most ~100 characters. */
std::string comment(const std::string& text) {
    std::string out, line = "#";
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        if (line.size() + word.size() > 99) {
            out += line + "\n";
            line = "#";
        }
        line += " " + word;
    }
    return out + line + "\n";
}

} // namespace

config_file read_config_file(const std::filesystem::path& file, const po::options_description& settings) {
    problems p{file.string(), {}};
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        p.add(e.source(), std::string(e.description()));
        throw config_file_error(p.list.front());
    }
    config_file out;
    out.path = file;
    out.settings = po::parsed_options(&settings);
    std::set<std::string> names;
    for (auto&& [key, node] : table) {
        std::string name(key.str());
        if (name == "user") {
            auto entries = node.as_array();
            if (!entries || !entries->is_array_of_tables()) {
                p.add(node.source(), "user entries are written [[user]]");
                continue;
            }
            for (auto&& entry : *entries) out.users.push_back(read_user(*entry.as_table(), p, names));
            continue;
        }
        if (!settings.find_nothrow(name, false)) {
            p.add(key.source(), "unknown key \"" + name + "\" (keys are the long options of keepdav --help)");
            continue;
        }
        std::vector<const toml::node*> values;
        if (auto array = node.as_array())
            for (auto&& item : *array) values.push_back(&item);
        else
            values.push_back(&node);
        for (auto value : values) {
            auto token = token_of(*value);
            if (!token) {
                p.add(value->source(), name + " takes a string, number or boolean");
                continue;
            }
            po::option option(name, {*token});
            option.original_tokens = {name, *token};
            out.settings.options.push_back(std::move(option));
            out.lines.push_back(static_cast<int>(value->source().begin.line));
        }
    }
    if (!p.list.empty()) {
        std::string all;
        for (const auto& line : p.list) all += (all.empty() ? "" : "\n") + line;
        throw config_file_error(all);
    }
    return out;
}

void store(config_file& file, po::variables_map& vm) {
    // One option at a time, so that a rejected value is reported with its line. An option already set
    // (by the command line, stored first) is skipped by po::store: flags win.
    std::set<std::string> from_command_line;
    for (const auto& [name, value] : vm)
        if (!value.defaulted()) from_command_line.insert(name);
    std::map<std::string, std::vector<std::size_t>> by_name;
    for (std::size_t i = 0; i < file.settings.options.size(); ++i)
        by_name[file.settings.options[i].string_key].push_back(i);
    for (const auto& [name, indices] : by_name) {
        if (from_command_line.count(name)) continue;
        po::parsed_options one(file.settings.description);
        for (auto i : indices) one.options.push_back(file.settings.options[i]);
        file.stored[name] = file.lines[indices.front()];
        try {
            po::store(one, vm);
        } catch (const po::error& e) {
            throw config_file_error(file.path.string() + ":" + std::to_string(file.lines[indices.front()]) + ": " + name +
                                    ": " + e.what());
        }
    }
}

std::string locate(const config_file& file, const std::string& message) {
    std::size_t at = message.find("--");
    for (; at != std::string::npos; at = message.find("--", at + 2)) {
        auto end = message.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", at + 2);
        auto name = message.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
        if (auto it = file.stored.find(name); it != file.stored.end())
            return file.path.string() + ":" + std::to_string(it->second) + ": " + message;
    }
    return message;
}

std::string effective_toml(const po::options_description& settings, const po::variables_map& vm,
                           const std::vector<user_config>& users) {
    std::string out;
    for (const auto& option : settings.options()) {
        const auto& name = option->long_name();
        out += "\n" + comment(option->description());
        auto it = vm.find(name);
        std::optional<std::string> value;
        if (it != vm.end() && !it->second.empty()) value = toml_value(it->second.value());
        if (value)
            out += name + " = " + *value + "\n";
        else
            out += "# " + name + " =   (not set)\n";
    }
    for (const auto& user : users) {
        out += "\n[[user]]\nname = " + toml_string(user.name) + "\n";
        if (!user.password_hash.empty()) out += "# password = (set, not shown)\n";
        if (!user.root.empty()) out += "root = " + toml_string(user.root.string()) + "\n";
        out += "access = \"" + std::string(level_name(user.access)) + "\"\n";
        if (!user.rules.empty()) {
            out += "rules = { ";
            bool first = true;
            for (const auto& [path, level] : user.rules) {
                out += (first ? "" : ", ") + toml_string("/" + path) + " = \"" + std::string(level_name(level)) + "\"";
                first = false;
            }
            out += " }\n";
        }
    }
    return out;
}

} // namespace keepdav::cli
