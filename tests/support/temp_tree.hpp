#pragma once
// A scratch directory for one test, removed with everything in it when the test ends.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace keepdav::test {

class temp_tree {
public:
    temp_tree() {
        std::string pattern = (std::filesystem::temp_directory_path() / "keepdav-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp");
        path_ = pattern;
    }
    ~temp_tree() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_tree(const temp_tree&) = delete;
    temp_tree& operator=(const temp_tree&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

    /** Writes a file (creating its parent directories). */
    void write(const std::string& rel, const std::string& content) const {
        auto p = path_ / rel;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
    }
    std::string read(const std::string& rel) const {
        std::ifstream in(path_ / rel, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    void mkdir(const std::string& rel) const { std::filesystem::create_directories(path_ / rel); }
    bool exists(const std::string& rel) const { return std::filesystem::exists(path_ / rel); }

private:
    std::filesystem::path path_;
};

} // namespace keepdav::test
