#pragma once
// Beast body types over file descriptors: one serves a byte range of an open file with pread, the
// other writes a request body straight into a (pending) file. Included only by session.cpp.
#include "dav/reply.hpp"
#include "fs/io.hpp"
#include "net.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <cerrno>
#include <memory>

#include <unistd.h>

namespace keepdav::server {

/** Response body: a range of an open file, read in pieces as the socket drains. */
struct fd_range_body {
    using value_type = dav::file_range;

    static std::uint64_t size(const value_type& v) { return v.length; }

    class writer {
    public:
        using const_buffers_type = net::const_buffer;

        template <bool isRequest, class Fields>
        writer(const http::header<isRequest, Fields>&, const value_type& body)
            : body_(body), remaining_(body.length), offset_(body.offset) {}

        void init(boost::system::error_code& ec) {
            ec = {};
            buffer_.reset(new char[static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, piece))]);
        }

        boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& ec) {
            ec = {};
            if (remaining_ == 0) return boost::none;
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, piece));
            auto read = fs::pread_some(body_.file->get(), buffer_.get(), want, offset_);
            if (!read) {
                ec = read.error();
                return boost::none;
            }
            std::size_t n = *read;
            if (n == 0) { // the file shrank under us: the promised length cannot be kept
                ec = {EIO, boost::system::system_category()};
                return boost::none;
            }
            offset_ += n;
            remaining_ -= n;
            return std::make_pair(const_buffers_type(buffer_.get(), n), remaining_ > 0);
        }

    private:
        static constexpr std::uint64_t piece = 256 * 1024;
        const value_type& body_;
        std::uint64_t remaining_;
        std::uint64_t offset_;
        std::unique_ptr<char[]> buffer_;
    };
};

/** Request body: written to a file descriptor as it arrives. */
struct fd_sink_body {
    struct value_type {
        int fd = -1;
        std::uint64_t written = 0;
    };

    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

        void init(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) { ec = {}; }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
            ec = {};
            std::size_t total = 0;
            for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
                net::const_buffer b = *it;
                if (auto failure = fs::write_all(body_.fd, b.data(), b.size())) {
                    ec = failure;
                    return total;
                }
                total += b.size();
                body_.written += b.size();
            }
            return total;
        }

        void finish(boost::system::error_code& ec) { ec = {}; }

    private:
        value_type& body_;
    };
};

} // namespace keepdav::server
