#include "http/mime.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>

namespace keepdav::http_util {

namespace {

using type_table = std::unordered_map<std::string, std::string>;

type_table load_types() {
    type_table table{
        {"txt", "text/plain"},        {"html", "text/html"},       {"htm", "text/html"},
        {"css", "text/css"},          {"js", "text/javascript"},   {"json", "application/json"},
        {"xml", "application/xml"},   {"pdf", "application/pdf"},  {"png", "image/png"},
        {"jpg", "image/jpeg"},        {"jpeg", "image/jpeg"},      {"gif", "image/gif"},
        {"svg", "image/svg+xml"},     {"zip", "application/zip"},  {"gz", "application/gzip"},
        {"mp4", "video/mp4"},         {"mp3", "audio/mpeg"},       {"md", "text/markdown"},
    };
    std::ifstream in("/etc/mime.types");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string type, extension;
        if (!(words >> type)) continue;
        while (words >> extension) table[extension] = type;
    }
    return table;
}

} // namespace

std::string_view content_type_for(std::string_view file_name) {
    static const type_table table = load_types();
    auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == file_name.size()) return "application/octet-stream";
    std::string extension(file_name.substr(dot + 1));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = table.find(extension);
    return it == table.end() ? std::string_view("application/octet-stream") : std::string_view(it->second);
}

} // namespace keepdav::http_util
