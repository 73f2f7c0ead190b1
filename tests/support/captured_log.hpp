#pragma once
// Sends the process's stderr (the server's log) to a file while in scope; `text()` reads what was
// logged. One test case per process (catch_discover_tests), so no other test shares the capture.
#include <cstdio>
#include <string>

#include <unistd.h>

namespace keepdav::test {

class captured_log {
public:
    captured_log() {
        file_ = std::tmpfile();
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(::fileno(file_), STDERR_FILENO);
    }
    ~captured_log() {
        restore();
        std::fclose(file_);
    }
    captured_log(const captured_log&) = delete;
    captured_log& operator=(const captured_log&) = delete;

    /** Everything logged so far (the capture goes on). */
    std::string text() const {
        std::string out;
        char chunk[4096];
        for (off_t at = 0;;) {
            auto n = ::pread(::fileno(file_), chunk, sizeof chunk, at);
            if (n <= 0) break;
            out.append(chunk, static_cast<std::size_t>(n));
            at += n;
        }
        return out;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }
    std::FILE* file_ = nullptr;
    int saved_ = -1;
};

} // namespace keepdav::test
