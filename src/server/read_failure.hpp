#pragma once
// What a failed read of a request means for its connection, decided from the error alone: close
// without a word (the client left, or an idle keep-alive connection timed out), or answer and then
// close (the rest of what the client sent cannot be framed, or is not wanted).
#include "dav/reply.hpp"
#include "net.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keepdav::server {

struct read_failure {
    std::optional<dav::reply> answer; ///< none: close quietly
    std::string log_line;             ///< empty: nothing worth logging
    bool server_closed = false;       ///< the server, not the client, ended the exchange (the transcript says so)
};

/** The header could not be read; `bytes_seen`: part of a request had arrived. */
read_failure header_read_failure(boost::system::error_code ec, bool bytes_seen);

/** The body could not be read; `limit` is the body limit that applied, `min_rate` --min-body-rate. */
read_failure body_read_failure(boost::system::error_code ec, std::uint64_t limit, std::uint64_t min_rate);

/**
 * The upload's body could not be read or written to its pending file; `who` names the request in
 * the log line a disk failure gets.
 */
read_failure upload_read_failure(boost::system::error_code ec, std::uint64_t limit, std::uint64_t min_rate,
                                 std::string_view who);

} // namespace keepdav::server
