#pragma once
// A raw TCP connection to a test server for bytes no HTTP client would send (pipelining, a client that
// never reads). Every read and write has a deadline: a server that stays silent fails the test with a
// message instead of hanging it until ctest's TIMEOUT.
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace keepdav::test {

class raw_client {
public:
    /**
     * Connects to 127.0.0.1:`port`. Each later operation must finish within `deadline` of its start.
     * A `receive_buffer` above 0 sets SO_RCVBUF before connecting (the kernel's minimum applies): with
     * a client that does not read, the server's writes then back up after a few KiB.
     */
    explicit raw_client(std::uint16_t port, std::chrono::milliseconds deadline = std::chrono::seconds(20),
                        int receive_buffer = 0)
        : deadline_(deadline) {
        namespace net = boost::asio;
        socket_.open(net::ip::tcp::v4());
        if (receive_buffer > 0) socket_.set_option(net::socket_base::receive_buffer_size(receive_buffer));
        socket_.connect({net::ip::make_address("127.0.0.1"), port});
    }

    void send(std::string_view bytes) {
        run("sending " + std::to_string(bytes.size()) + " bytes", [&](auto done) {
            boost::asio::async_write(socket_, boost::asio::buffer(bytes.data(), bytes.size()),
                                     [done](boost::system::error_code ec, std::size_t) { done(ec); });
        });
    }

    /** Reads until `marker` is among the bytes received (see received()); throws if the stream ends first. */
    void read_until(std::string_view marker) {
        run("reading until \"" + std::string(marker.substr(0, 40)) + "\"", [&](auto done) {
            boost::asio::async_read_until(socket_, boost::asio::dynamic_buffer(received_), marker,
                                          [done](boost::system::error_code ec, std::size_t) { done(ec); });
        });
    }

    /**
     * Reads until the server ends the connection (end of stream or reset); returns everything
     * received, the bytes of earlier reads included.
     */
    const std::string& read_to_end() {
        boost::system::error_code last;
        run("reading until the server closes the connection", [&](auto done) {
            boost::asio::async_read(socket_, boost::asio::dynamic_buffer(received_),
                                    [done, &last](boost::system::error_code ec, std::size_t) {
                                        last = ec;
                                        done({}); // any end of the stream is the expected outcome
                                    });
        });
        end_ = last;
        return received_;
    }

    /** Forgets the first `n` bytes received (a response already looked at). */
    void consume(std::size_t n) { received_.erase(0, n); }

    /** Every byte received so far. */
    const std::string& received() const { return received_; }
    /** How the stream ended in read_to_end (eof, connection_reset, ...). */
    boost::system::error_code end() const { return end_; }
    boost::asio::ip::tcp::socket& socket() { return socket_; }

private:
    /** Starts one asynchronous operation and runs it to its end or the deadline, whichever is first. */
    template <class Start>
    void run(const std::string& what, Start start) {
        boost::system::error_code result;
        bool finished = false;
        ioc_.restart();
        start([&](boost::system::error_code ec) {
            result = ec;
            finished = true;
        });
        ioc_.run_for(deadline_);
        if (!finished) {
            boost::system::error_code ignored;
            socket_.cancel(ignored);
            ioc_.restart();
            ioc_.run(); // the cancelled handler, so nothing refers to this frame afterwards
            throw std::runtime_error("raw_client: " + what + " did not finish within " +
                                     std::to_string(deadline_.count()) + " ms; received so far: " +
                                     std::to_string(received_.size()) + " bytes");
        }
        if (result) throw std::runtime_error("raw_client: " + what + " failed: " + result.message());
    }

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_{ioc_};
    std::chrono::milliseconds deadline_;
    std::string received_;
    boost::system::error_code end_;
};

} // namespace keepdav::test
