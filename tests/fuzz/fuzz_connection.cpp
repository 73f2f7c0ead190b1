// A whole keepdav connection, not a parser: arbitrary bytes, cut into arbitrary reads, go into a real
// session (start_session over one end of a socketpair), and everything it answers is checked.
//
// Input: byte 0 % 32 = N piece descriptors, then the N descriptors, then the data. A descriptor d < 255
// sends the next d + 1 data bytes; 255 sends the previous piece again 512 times in one write (so a small
// input can carry a 64 KiB field); the data left over is the last piece. After each piece the server
// runs until it is idle (I/O and file system pool quiet), so each piece is a read of its own; then the
// client half-closes, and the server must end the connection within 5 s.
//
// Checks: the process survives (an exception escaping the session is not caught: it terminates); the
// connection ends; what comes back is bounded and is whole, well-framed HTTP/1.x responses (Beast's
// response parser, told which requests were HEAD): 1xx only 100/102/103, never Content-Length with
// chunked, nothing after a response that closes the connection or left over at the end, no more final
// responses than requests plus one (the error answer); a request with a transfer coding other than
// chunked, or any in HTTP/1.0, gets a 4xx/5xx, and nothing follows it if its framing is broken (final
// coding not chunked, or HTTP/1.0) (RFC 9112 §6.1, §6.3). The server's memory: run with -rss_limit_mb.
#include "fs/open_file_cache.hpp"
#include "locks/file_lock_store.hpp"
#include "log.hpp"
#include "server/session.hpp"
#include "server/shared_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/xattr.h>

namespace {

using namespace keepdav;
namespace stdfs = std::filesystem;

constexpr std::size_t max_pieces = 32, repeat_count = 512;
constexpr std::size_t max_stream = 1 << 20;      ///< what the client sends, at most
constexpr std::size_t max_response = 256 * 1024; ///< a 207 of the small tree, big.bin, an error: far less
constexpr std::size_t max_interim = 4096;        ///< a 100, 102 or 103 with its headers
constexpr auto hang_limit = std::chrono::seconds(5); ///< every server timeout is at most 2 s

[[noreturn]] void fail(const std::string& why, std::string_view out = {}) {
    std::fprintf(stderr, "fuzz_connection: %s\n--- server output (%zu bytes, first 2000) ---\n%.*s\n", why.c_str(),
                 out.size(), static_cast<int>(std::min<std::size_t>(out.size(), 2000)), out.data());
    std::abort();
}

struct fixture {
    net::io_context ioc; // one for every run: a session's last members may go on the pool's thread
    stdfs::path root;
    std::unique_ptr<server::shared_state> state;

    fixture() {
        std::signal(SIGPIPE, SIG_IGN);
        log::set_threshold(log::level::warning); // bad requests are logged at info: thousands a second
        char dir[] = "/tmp/fuzz-connection-XXXXXX";
        if (!::mkdtemp(dir)) fail("mkdtemp failed");
        root = dir;
        server_config c;
        c.root = root;
        c.fs_threads = 1;
        c.max_header_bytes = 2048;
        c.max_xml_body_bytes = 4096;
        c.max_put_bytes = 8192;
        c.max_connections = 16;
        c.header_timeout = c.body_timeout = std::chrono::seconds(1);
        c.idle_timeout = c.write_timeout = std::chrono::seconds(2);
        c.processing_after = std::chrono::milliseconds(0); // 102s interleave with pipelined answers
        c.processing_interval = std::chrono::milliseconds(50);
        c.access_log_off = true;
        auto t = fs::tree::open_root(root);
        if (!t) fail("cannot open the root");
        auto no_persistence = std::make_unique<locks::file_lock_store>();
        state = std::make_unique<server::shared_state>(c, std::move(*t), 1, std::move(no_persistence), nullptr);
    }

    ~fixture() { // at exit; a crash leaves the directory behind
        state.reset();
        std::error_code ec;
        stdfs::remove_all(root, ec);
    }

    /** The same few resources, no locks and no dead properties, whatever the last input did. */
    void reset() {
        for (const auto& e : stdfs::directory_iterator(root)) stdfs::remove_all(e.path());
        static char names[65536]; // the most listxattr(2) answers
        ssize_t n = ::listxattr(root.c_str(), names, sizeof names); // properties set on "/"
        for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(std::strlen(names + i)) + 1)
            ::removexattr(root.c_str(), names + i);
        std::ofstream(root / "a.txt") << "hello, world\n";
        stdfs::create_directory(root / "dir");
        std::ofstream(root / "dir" / "b.xml") << "<b/>\n";
        std::ofstream(root / "big.bin") << std::string(70000, 'x'); // over the sendfile threshold (64 KiB)
        state->locks->remove_within("");
        fs::open_file_cache::clear_all_soon();
        fs::open_file_cache::for_this_thread().expire();
    }

    /** Runs the server until nothing is left to do without new input or a timer. */
    template <class Drain>
    void settle(Drain drain) {
        for (std::size_t ran = 1; ran > 0;) {
            ioc.restart();
            ran = ioc.poll();
            drain();
            std::promise<void> done; // one pool thread: this runs after whatever was posted before it
            net::post(state->fs_pool, [&done] { done.set_value(); });
            done.get_future().wait();
            ioc.restart();
            ran += ioc.poll();
            drain();
        }
    }
};

/** The pieces the input describes, each one write. */
std::vector<std::string> pieces_of(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string_view descriptors = rest.substr(0, data[0] % max_pieces);
    rest.remove_prefix(descriptors.size());
    std::vector<std::string> pieces;
    for (unsigned char d : descriptors) {
        if (d == 255 && !pieces.empty()) {
            std::string again;
            for (std::size_t i = 0; i < repeat_count && again.size() < max_stream; ++i) again += pieces.back();
            pieces.push_back(std::move(again));
        } else if (d != 255 && !rest.empty()) {
            pieces.emplace_back(rest.substr(0, d + 1u));
            rest.remove_prefix(pieces.back().size());
        }
    }
    if (!rest.empty()) pieces.emplace_back(rest);
    return pieces;
}

/** Sends the pieces to a new session and half-closes; answers all the server sent until it closed. */
std::string converse(fixture& f, const std::vector<std::string>& pieces) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fail("socketpair failed");
    tcp::socket server_end(f.ioc);
    server_end.assign(tcp::v4(), fds[0]);
    server::start_session(std::move(server_end), *f.state, nullptr);
    std::string got;
    bool eof = false, closed = false; // closed: the server is gone, the rest cannot be sent
    auto drain = [&, fd = fds[1]] {
        char buf[65536];
        while (!eof) {
            ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) got.append(buf, static_cast<std::size_t>(n));
            else if (n < 0 && errno == EAGAIN) return;
            else if (n == 0 || errno != EINTR) eof = true; // ECONNRESET: closed with input unread
        }
    };
    auto deadline = std::chrono::steady_clock::now() + hang_limit;
    for (std::string_view left : pieces) {
        while (!left.empty() && !closed) {
            ssize_t n = ::send(fds[1], left.data(), left.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                left.remove_prefix(static_cast<std::size_t>(n));
            } else if (errno == EAGAIN) { // the socket buffer is full: let the server read
                f.ioc.restart();
                f.ioc.run_for(std::chrono::milliseconds(1));
                f.settle(drain);
                if (std::chrono::steady_clock::now() > deadline) fail("the server stopped reading", got);
            } else if (errno != EINTR) {
                closed = true;
            }
        }
        f.settle(drain);
    }
    ::shutdown(fds[1], SHUT_WR);
    deadline = std::chrono::steady_clock::now() + hang_limit;
    while (!eof || f.state->session_count() > 0) {
        if (std::chrono::steady_clock::now() > deadline) fail("still open 5 s after the client's EOF", got);
        f.ioc.restart();
        f.ioc.run_for(std::chrono::milliseconds(10));
        drain();
    }
    ::close(fds[1]);
    return got;
}

/** Feeds `rest` to `p` until it holds one whole message (the end of `rest` is the end of the stream). */
template <class Parser>
bool parse_one(Parser& p, std::string_view& rest) {
    boost::system::error_code ec;
    while (!p.is_done()) {
        std::size_t n = 0;
        if (!rest.empty()) {
            n = p.put(net::buffer(rest.data(), rest.size()), ec);
            rest.remove_prefix(n);
            if (ec && ec != http::error::need_more) return false;
        }
        if (n > 0) continue;
        if (!p.got_some()) return false; // no progress without more bytes: the stream ends here
        p.put_eof(ec);
        return !ec && p.is_done();
    }
    return true;
}

/** A request body counted and dropped: the harness needs the framing, not the bytes, and a string body
    would reserve whatever Content-Length the input declares (a terabyte is one line of fuzz). */
struct discarded_body {
    struct value_type {};
    struct reader {
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>&, value_type&) {}
        void init(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) { ec = {}; }
        template <class Buffers>
        std::size_t put(const Buffers& buffers, boost::system::error_code& ec) {
            ec = {};
            return net::buffer_size(buffers);
        }
        void finish(boost::system::error_code& ec) { ec = {}; }
    };
};

/** What one request obliges the server to (RFC 9112 §6.1, §6.3). */
struct sent {
    bool head = false;   ///< the answer has no body
    bool refuse = false; ///< a transfer coding other than chunked, or any in HTTP/1.0: 4xx or 5xx
    bool close = false;  ///< the final coding is not chunked, or HTTP/1.0: nothing may follow the answer
};

/** The requests the server could answer, in order, as Beast parses them with the server's limits. */
std::vector<sent> requests_in(std::string_view in) {
    std::vector<sent> out;
    for (;;) {
        http::request_parser<discarded_body> p;
        p.header_limit(2048);
        p.body_limit(boost::none);
        p.eager(true);
        bool whole = false;
        try {
            whole = parse_one(p, in);
        } catch (const std::length_error&) { // a trailer field of 64 KiB, more than Beast holds: the end
            return out;
        }
        // A request whose body the stream cuts short may still be answered from its header alone
        // (refused before its body is read): it counts, as a HEAD if it is one, and is the last.
        if (!whole && !p.is_header_done()) return out;
        const auto& req = p.get();
        sent r{req.method() == http::verb::head};
        std::string codings;
        for (auto [it, end] = req.equal_range(http::field::transfer_encoding); it != end; ++it)
            codings.append(it->value()).push_back(',');
        if (!codings.empty()) {
            std::string_view last;
            for (auto coding : http::token_list(codings)) {
                last = coding;
                r.refuse |= !beast::iequals(coding, "chunked");
            }
            r.close = !beast::iequals(last, "chunked") || req.version() < 11;
            r.refuse |= r.close;
        }
        out.push_back(r);
        if (!whole || !req.keep_alive() || r.close) return out;
    }
}

void check_output(std::string_view out, const std::vector<sent>& requests) {
    const std::string_view all = out;
    if (all.size() > (requests.size() + 1) * (max_response + 2 * max_interim)) fail("output out of bounds", all);
    std::size_t finals = 0, interims = 0;
    while (!out.empty()) {
        auto at = "response at offset " + std::to_string(all.size() - out.size()) + ": ";
        const sent r = finals < requests.size() ? requests[finals] : sent{};
        http::response_parser<http::string_body> p;
        p.header_limit(max_interim);
        p.body_limit(max_response);
        p.eager(true);
        p.skip(r.head);
        if (!parse_one(p, out)) fail(at + "malformed or truncated", all);
        auto& res = p.get();
        unsigned status = res.result_int();
        if (status < 100 || status > 599) fail(at + "status " + std::to_string(status), all);
        if (status < 200) {
            if (status != 100 && status != 102 && status != 103)
                fail(at + "interim status " + std::to_string(status), all);
            if (++interims > 2 * (requests.size() + 1) + 100) fail(at + "too many interim responses", all);
            continue;
        }
        if (++finals > requests.size() + 1)
            fail(at + "more final responses than requests (" + std::to_string(requests.size()) + ")", all);
        if (res.has_content_length() && p.chunked()) fail(at + "Content-Length and chunked", all);
        if (!res.keep_alive() && !out.empty()) fail(at + "bytes after a response that closes the connection", all);
        if (r.refuse && status < 400) fail(at + "bad Transfer-Encoding answered " + std::to_string(status), all);
        if (r.close && !out.empty()) fail(at + "bytes after the answer to a bad Transfer-Encoding", all);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fixture f;
    if (size == 0) return 0;
    auto pieces = pieces_of(data, size);
    std::string stream;
    for (const auto& p : pieces) stream += p;
    if (stream.size() > max_stream) return 0;
    f.reset();
    std::string got = converse(f, pieces);
    if (std::getenv("FUZZ_CONNECTION_VERBOSE")) // to triage: what came back
        std::fprintf(stderr, "--- %zu bytes in, %zu out ---\n%s\n", stream.size(), got.size(), got.c_str());
    check_output(got, requests_in(stream));
    return 0;
}
