#pragma once
// A response body produced piece by piece (a 207 Multi-Status) and kept in bounded memory: the first
// bytes stay in memory, the rest overflow to an unnamed temporary file.
#include "dav/reply.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace keepdav::dav {

class spool {
public:
    static constexpr std::size_t memory_limit = 256 * 1024;

    /** `directory` holds the overflow file (O_TMPFILE: it never has a name). */
    explicit spool(std::string directory = "/tmp") : directory_(std::move(directory)) {}

    /** Appends; errors (disk full) are kept and reported by finish(). */
    void write(std::string_view data);
    /** Hands the body to `r` (a string, or a range of the overflow file). */
    boost::system::error_code finish(reply& r);

private:
    void flush();
    std::string directory_;
    std::string memory_;
    std::shared_ptr<fs::unique_fd> file_;
    std::uint64_t file_size_ = 0;
    boost::system::error_code error_;
};

/**
 * A 207 Multi-Status whose body is what was written into `body`: sent chunked from memory, or with its
 * length from the overflow file (sendfile); 507 if the spool could not hold it.
 */
reply multistatus_reply(spool& body);

} // namespace keepdav::dav
