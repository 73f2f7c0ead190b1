#include "server/session.hpp"

#include "dav/claims.hpp"
#include "dav/handler.hpp"
#include "dav/target.hpp"
#include "http/date.hpp"
#include "http/framing.hpp"
#include "log.hpp"
#include "server/fd_body.hpp"
#include "server/interim_schedule.hpp"
#include "server/shared_state.hpp"
#include "server/test_hooks.hpp"
#include "server/transcript.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>

#include <sys/sendfile.h>
#include <cstring>
#include <optional>
#include <stop_token>

namespace keepdav::server {

namespace {

using clock = std::chrono::steady_clock;
using boost::system::error_code;

/** Pipelined bytes read while an operation runs are kept for the next request, up to this much. */
constexpr std::size_t max_buffered_ahead = 64 * 1024;
/** File bodies from this size on go out with sendfile(2) on plain TCP. */
constexpr std::uint64_t sendfile_threshold = 64 * 1024;
/**
 * The most one sendfile(2) call sends: the loopback socket buffer takes megabytes at once, and a
 * call that large holds the I/O thread from its other connections for half a millisecond.
 */
constexpr std::uint64_t sendfile_piece = 256 * 1024;
/** How much of a PUT body of declared length one read takes. */
constexpr std::size_t direct_upload_read_size = 1024 * 1024;
/** Room for a chunked PUT body in the read buffer (Beast's parser reads 64 KiB at most). */
constexpr std::size_t parsed_upload_read_size = 64 * 1024;
/** The read buffer an idle keep-alive connection holds: most request headers fit, and it costs little. */
constexpr std::size_t idle_read_size = 512;
/** The most a 102's Status-URI header carries. */
constexpr std::size_t max_status_uri_bytes = 2048;

/** The Date header, formatted at most once a second per thread. */
const std::string& current_date() {
    thread_local std::time_t cached_second = 0;
    thread_local std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        cached_second = now;
        cached = http_util::format_http_date(now);
    }
    return cached;
}

double seconds_since(clock::time_point start) {
    return std::chrono::duration<double>(clock::now() - start).count();
}

} // namespace

/** One connection over a plain TCP stream, or over TLS (beast::ssl_stream<beast::tcp_stream>). */
template <class Stream>
class session : public session_base, public std::enable_shared_from_this<session<Stream>> {
    static constexpr bool tls_ = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    session(Stream&& stream, shared_state& state)
        : stream_(std::move(stream)), state_(state), interim_timer_(stream_.get_executor()),
          hold_timer_(stream_.get_executor()), close_timer_(stream_.get_executor()) {
        error_code ec;
        auto remote = lowest().socket().remote_endpoint(ec);
        peer_ = ec ? std::string("-") : remote.address().to_string();
    }

    ~session() override { state_.remove(this); }

    void run() {
        state_.add(this, this->weak_from_this());
        net::dispatch(stream_.get_executor(), guarded([self = this->shared_from_this()] { self->start(); }));
    }

    void post_close_when_idle() override {
        net::post(stream_.get_executor(), guarded([self = this->shared_from_this()] { self->close_when_idle(); }));
    }

    void post_abort() override {
        net::post(stream_.get_executor(), guarded([self = this->shared_from_this()] { self->abort(); }));
    }

    void close_when_idle() {
        closing_ = true;
        // Nothing of a request has arrived: there is nothing to finish.
        if (phase_ == phase::reading_header && buffer_.size() == 0) do_close();
    }

    void abort() {
        stop_source_.request_stop();
        server_closed_ = true;
        do_close();
    }

    /**
     * Wraps a completion handler of this connection. Once the connection is closed, a completion
     * does nothing (a read cancelled by a shutdown is no client error, and nothing is written to a
     * closed socket). An exception thrown while serving it (a bug, a limit Beast enforces by
     * throwing, memory) is logged and closes this connection alone; the I/O thread and every other
     * connection go on.
     */
    template <class Handler>
    auto guarded(Handler handler) {
        return [self = this->shared_from_this(), handler = std::move(handler)](auto&&... args) mutable {
            if (self->phase_ == phase::closed) return;
            try {
                handler(std::forward<decltype(args)>(args)...);
            } catch (const std::exception& e) {
                self->contain(e.what());
            } catch (...) {
                self->contain("unknown exception");
            }
        };
    }

private:
    void contain(const char* what) {
        log::error(peer_ + ": " + (method_.empty() ? std::string("connection") : method_ + " " + target_) +
                   ": internal error (" + what + "); closing this connection");
        server_closed_ = true;
        try {
            do_close();
        } catch (...) {
            // Closing failed as well: the socket goes with the session.
        }
    }

    enum class phase { reading_header, reading_body, handling, running, writing_final, closed };

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void start() {
        if constexpr (tls_) {
            // Plain HTTP sent to a TLS port fails here, and the connection is closed.
            lowest().expires_after(state_.config.header_timeout);
            stream_.async_handshake(net::ssl::stream_base::server, guarded([self = this->shared_from_this()](error_code ec) {
                if (ec) {
                    log::info(self->peer_ + ": TLS handshake failed: " + ec.message());
                    self->server_closed_ = true;
                    return self->do_close();
                }
                self->do_read_header();
            }));
        } else {
            do_read_header();
        }
    }

    // --- reading a request ---------------------------------------------------------------------------

    void do_read_header() {
        phase_ = phase::reading_header;
        if (closing_ && buffer_.size() == 0) return do_close();
        if (buffer_.size() > 0) return read_header_in_time();
        // Idle until the client sends again (the keep-alive timeout), holding a small read buffer:
        // a read, unlike a wait for readability, costs no epoll_ctl, and with TLS OpenSSL may already
        // hold application data that the socket will never signal again. From the first byte on,
        // the whole header must come within the header timeout: a client that dribbles is cut off.
        if (buffer_.capacity() > idle_read_size) buffer_.shrink_to_fit();
        lowest().expires_after(state_.config.idle_timeout);
        stream_.async_read_some(buffer_.prepare(idle_read_size), guarded([self = this->shared_from_this()](error_code ec, std::size_t n) {
            self->buffer_.commit(n);
            if (ec) return self->on_read_header(ec);
            self->read_header_in_time();
        }));
    }

    void read_header_in_time() {
        header_parser_ = std::make_unique<http::request_parser<http::empty_body>>();
        header_parser_->header_limit(state_.config.max_header_bytes);
        // Beast checks Content-Length against the body limit as soon as the header is parsed; the
        // limit that applies (unlimited for PUT, max_xml_body_bytes otherwise) is set once the
        // method is known.
        header_parser_->body_limit(boost::none);
        lowest().expires_after(state_.config.header_timeout);
        parse_then(*header_parser_, &session::on_read_header);
    }

    /**
     * Feeds the read buffer to `parser` and reads more until it has what this phase needs (the
     * header, or the whole body), then calls `done`. Beast's read operations do the same, but call
     * the parser outside any handler of ours; here a parser that throws (Beast's fields take no field
     * of 64 KiB or more) is contained to this connection, and what the buffer may hold is bounded
     * whatever the framing: a header by the header limit (Beast's own check), and in a body the bytes
     * the parser cannot consume yet (a chunk-size line with its extensions, the trailer section) by
     * the header limit too.
     */
    template <class Parser>
    void parse_then(Parser& parser, void (session::*done)(error_code)) {
        bool header_phase = !parser.is_header_done();
        error_code ec;
        for (int idle_steps = 0; buffer_.size() > 0 && idle_steps < 4;) {
            if (header_phase ? parser.is_header_done() : parser.is_done()) break;
            std::size_t used = 0;
            try {
                used = parser.put(buffer_.data(), ec);
            } catch (const std::exception& e) {
                log::info(peer_ + ": request framing refused: " + e.what());
                ec = http::error::bad_field;
            }
            buffer_.consume(used);
            if (ec == http::error::need_more) {
                ec = {};
                break;
            }
            if (ec) return (this->*done)(ec);
            idle_steps = used == 0 ? idle_steps + 1 : 0; // a state change that consumed nothing
        }
        if (header_phase ? parser.is_header_done() : parser.is_done()) return (this->*done)({});
        // What is buffered cannot be parsed yet: in a body, that is framing, never payload.
        if (!header_phase && buffer_.size() >= state_.config.max_header_bytes)
            return (this->*done)(http::error::buffer_overflow);
        if (!header_phase) lowest().expires_after(state_.config.body_timeout);
        // As Beast reads: a header into the buffer's spare room (the parser enforces the header
        // limit), a body in large pieces.
        std::size_t room = header_phase ? std::max(idle_read_size, buffer_.capacity() - buffer_.size()) : parsed_upload_read_size;
        stream_.async_read_some(buffer_.prepare(room), guarded([self = this->shared_from_this(), &parser, done,
                                                                header_phase](error_code ec, std::size_t n) {
            self->buffer_.commit(n);
            if (ec == net::error::eof) {
                // RFC 9112 §9.6: a connection closed between requests is no error; within one, the
                // message is incomplete.
                if (header_phase && !parser.got_some()) ec = http::error::end_of_stream;
                else parser.put_eof(ec);
                if (!ec) ec = http::error::partial_message;
            }
            if (!ec && !header_phase && self->too_slow(n)) ec = beast::error::timeout;
            if (ec) return ((*self).*done)(ec);
            self->parse_then(parser, done);
        }));
    }

    void on_read_header(error_code ec) {
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted) return do_close();
        if (ec == beast::error::timeout) {
            if (buffer_.size() == 0) return do_close(); // an idle keep-alive connection, not an error
            log::info(peer_ + ": timed out reading a request header");
            return do_close();
        }
        if (ec) {
            if (ec == net::error::eof || ec == net::error::connection_reset || ec == http::error::partial_message)
                return do_close();
            log::info(peer_ + ": bad request header: " + ec.message());
            version_ = 11;
            keep_alive_ = false;
            auto status = ec == http::error::header_limit ? http::status::request_header_fields_too_large
                                                          : http::status::bad_request;
            return send_final(dav::error_reply(status, ec.message()));
        }
        request_started_ = clock::now();
        interims_sent_ = 0;
        window_bytes_ = 0;
        window_start_ = request_started_;
        auto& head = header_parser_->get();
        version_ = head.version();
        keep_alive_ = head.keep_alive() && !closing_;
        method_ = std::string(head.method_string());
        target_ = std::string(head.target());
        user_agent_ = std::string(head[http::field::user_agent]);
        host_ = std::string(head[http::field::host]);
        referer_ = std::string(head[http::field::referer]);
        user_ = state_.auth && head.count(http::field::authorization) ? basic_auth::user_of(head[http::field::authorization])
                                                                     : std::string();
        is_head_ = head.method() == http::verb::head;
        open_record();

        if (auto refusal = http_util::check_request_framing(head)) {
            // Whatever follows on this connection cannot be told apart from this request's body.
            log::info(peer_ + ": " + method_ + " " + target_ + ": " + refusal->reason);
            keep_alive_ = false;
            return send_final(dav::error_reply(refusal->status, refusal->reason));
        }
        if (state_.config.request_header_hook) state_.config.request_header_hook(target_);

        if (state_.auth && !state_.auth->verify(head[http::field::authorization])) {
            // RFC 7617: every request needs credentials; the body (if any) stays unread.
            if (!header_parser_->is_done()) keep_alive_ = false;
            if (head.count(http::field::authorization))
                log::info(peer_ + ": " + method_ + " " + target_ + ": wrong credentials for user \"" +
                          basic_auth::user_of(head[http::field::authorization]) + "\"");
            auto refusal = dav::error_reply(http::status::unauthorized, "credentials required");
            refusal.fields.set(http::field::www_authenticate,
                               "Basic realm=\"" + state_.config.auth_realm + "\", charset=\"UTF-8\"");
            return send_final(std::move(refusal));
        }

        hooks_.reset();
        if (state_.config.test_hooks) {
            auto hooks = parse_test_hooks(head.base());
            if (!hooks) {
                if (!header_parser_->is_done()) keep_alive_ = false; // the body stays unread
                log::info(peer_ + ": " + method_ + " " + target_ + ": bad test hook: " + hooks.error());
                return send_final(dav::error_reply(http::status::bad_request, hooks.error()));
            }
            if (hooks->holds()) hooks_ = *hooks;
        }

        if (head.method() == http::verb::put) return begin_upload();
        body_parser_ = std::make_unique<http::request_parser<http::string_body>>(std::move(*header_parser_));
        header_parser_.reset();
        body_parser_->body_limit(state_.config.max_xml_body_bytes);
        if (body_parser_->is_done()) return dispatch();
        // Beast weighs Content-Length against the limit only while parsing the header: do it here.
        if (auto declared = body_parser_->content_length(); declared && *declared > state_.config.max_xml_body_bytes) {
            keep_alive_ = false;
            log::info(peer_ + ": " + method_ + " " + target_ + ": request body of " + std::to_string(*declared) +
                      " bytes refused unread");
            return send_final(dav::error_reply(http::status::payload_too_large,
                                               "request body over " + std::to_string(state_.config.max_xml_body_bytes) + " bytes"));
        }
        continue_then(&session::read_request_body);
    }

    void begin_upload() {
        dav::context ctx = dav_context();
        auto started = dav::begin_put(header_parser_->get().base(), ctx);
        if (auto* refusal = std::get_if<dav::reply>(&started)) {
            // The body stays unread: unless it is empty, the connection cannot be reused.
            if (!header_parser_->is_done()) refusal->close_connection = true;
            return send_final(std::move(*refusal));
        }
        upload_.emplace(std::move(std::get<dav::upload>(started)));
        upload_parser_ = std::make_unique<http::request_parser<fd_sink_body>>(std::move(*header_parser_));
        header_parser_.reset();
        if (state_.config.max_put_bytes)
            upload_parser_->body_limit(state_.config.max_put_bytes);
        else
            upload_parser_->body_limit(boost::none);
        upload_parser_->get().body().fd = upload_->file->fd();
        if (upload_parser_->is_done()) return finish_upload();
        continue_then(&session::read_upload_body);
    }

    /** Sends `100 Continue` when the client waits for it (RFC 9110 §10.1.1), then reads the body. */
    void continue_then(void (session::*read_body)()) {
        phase_ = phase::reading_body;
        auto& fields = upload_parser_ ? upload_parser_->get().base() : body_parser_->get().base();
        if (version_ < 11 || !beast::iequals(fields[http::field::expect], "100-continue")) return (this->*read_body)();
        auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
        lowest().expires_after(state_.config.write_timeout);
        http::async_write(stream_, *cont, guarded([self = this->shared_from_this(), cont, read_body](error_code ec, std::size_t) {
            if (ec) return self->do_close();
            ((*self).*read_body)();
        }));
    }

    /**
     * Reads a body piece by piece: the body timeout is for a stall, not for the whole transfer, and a
     * client that dribbles (less than min_body_rate over any 10 s) is cut off.
     */
    template <class Parser>
    void read_body_piece(Parser& parser, void (session::*done)(error_code)) {
        parser.eager(true);
        parse_then(parser, done);
    }

    bool too_slow(std::size_t n) {
        constexpr auto window = std::chrono::seconds(10);
        auto now = clock::now();
        window_bytes_ += n;
        if (now - window_start_ < window) return false;
        double seconds = std::chrono::duration<double>(now - window_start_).count();
        bool slow = window_bytes_ < state_.config.min_body_rate * seconds;
        window_start_ = now;
        window_bytes_ = 0;
        if (slow) log::info(peer_ + ": " + method_ + " " + target_ + ": request body slower than " +
                            std::to_string(state_.config.min_body_rate) + " bytes/s; cut off");
        return slow;
    }

    void read_request_body() { read_body_piece(*body_parser_, &session::on_request_body); }
    void read_upload_body() {
        auto& parser = *upload_parser_;
        if (!parser.chunked() && parser.content_length()) return read_upload_direct(*parser.content_length());
        // Chunked: Beast decodes.
        read_body_piece(parser, &session::on_upload_body);
    }

    /**
     * A body of declared length goes from the socket to the file in large reads, past the parser:
     * a quarter of the system calls and none of its per-piece bookkeeping. Never reads beyond the
     * body, so a pipelined request stays on the socket.
     */
    void read_upload_direct(std::uint64_t length) {
        upload_remaining_ = length;
        // Body bytes that came with the header.
        auto ahead = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), length));
        if (ahead > 0) {
            if (auto ec = write_all(upload_->file->fd(), buffer_.data().data(), ahead)) return on_upload_body(ec);
            buffer_.consume(ahead);
            upload_remaining_ -= ahead;
        }
        upload_chunk_ = std::make_unique<char[]>(direct_upload_read_size);
        read_upload_chunk();
    }

    void read_upload_chunk() {
        if (upload_remaining_ == 0) {
            upload_chunk_.reset();
            return on_upload_body({});
        }
        lowest().expires_after(state_.config.body_timeout);
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(upload_remaining_, direct_upload_read_size));
        stream_.async_read_some(net::buffer(upload_chunk_.get(), want), guarded([self = this->shared_from_this()](error_code ec, std::size_t n) {
            if (self->phase_ == phase::closed) return; // aborted: do_close has discarded the upload
            if (!ec)
                ec = write_all(self->upload_->file->fd(), self->upload_chunk_.get(), n); // a failure here is the disk's
            else if (ec != beast::error::timeout)
                ec = http::error::partial_message; // reset, EOF, any socket error: the client's side ended
            self->upload_remaining_ -= n;
            if (!ec && self->too_slow(n)) ec = beast::error::timeout;
            if (!ec) return self->read_upload_chunk();
            self->upload_chunk_.reset();
            self->on_upload_body(ec);
        }));
    }

    void on_request_body(error_code ec) {
        if (ec == http::error::body_limit) {
            keep_alive_ = false;
            return send_final(dav::error_reply(http::status::payload_too_large,
                                               "request body over " + std::to_string(state_.config.max_xml_body_bytes) + " bytes"));
        }
        if (ec) return body_failed(ec);
        dispatch();
    }

    void on_upload_body(error_code ec) {
        if (ec == http::error::body_limit) {
            upload_.reset();
            upload_parser_.reset();
            keep_alive_ = false;
            return send_final(dav::error_reply(http::status::payload_too_large,
                                               "PUT bodies are limited to " + std::to_string(state_.config.max_put_bytes) + " bytes"));
        }
        if (ec) {
            upload_.reset(); // discards the pending file: nothing half-written becomes visible
            upload_parser_.reset();
            if (ec.category() == boost::system::system_category() && ec.value() != ECONNRESET) {
                // Writing to disk failed (disk full, quota): say so; the rest of the body is unread.
                keep_alive_ = false;
                auto status = (ec.value() == ENOSPC || ec.value() == EDQUOT) ? http::status::insufficient_storage
                                                                           : http::status::internal_server_error;
                log::error(peer_ + ": PUT " + target_ + ": writing the body failed: " + ec.message());
                return send_final(dav::error_reply(status, "writing the body failed: " + ec.message()));
            }
            return body_failed(ec);
        }
        finish_upload();
    }

    void finish_upload() {
        auto finish = [this]() -> dav::outcome {
            dav::context ctx = dav_context();
            auto reply = dav::finish_put(*upload_, upload_parser_->get().base(), ctx);
            upload_.reset();
            upload_parser_.reset();
            return reply;
        };
        if (hooks_) return start_hold(std::move(finish));
        carry_out(std::move(finish));
    }

    void body_failed(error_code ec) {
        if (ec == beast::error::timeout) {
            server_closed_ = true;
            log::info(peer_ + ": " + method_ + " " + target_ + ": timed out reading the request body");
            keep_alive_ = false;
            return send_final(dav::error_reply(http::status::request_timeout, "request body stalled"));
        }
        if (ec == http::error::partial_message || ec == net::error::eof || ec == net::error::connection_reset) {
            log::info(peer_ + ": " + method_ + " " + target_ + ": client closed the connection before the body ended");
            return do_close();
        }
        log::info(peer_ + ": " + method_ + " " + target_ + ": bad request body: " + ec.message());
        keep_alive_ = false;
        send_final(dav::error_reply(http::status::bad_request, ec.message()));
    }

    // --- handling ----------------------------------------------------------------------------------

    void dispatch() {
        phase_ = phase::handling;
        request_ = body_parser_->release();
        body_parser_.reset();
        if (hooks_) return start_hold([this] { return handle_request(); });
        carry_out([this] { return handle_request(); });
    }

    /** The header of the request being served, wherever its body went. */
    const dav::request_header& request_head() const {
        return upload_parser_ ? upload_parser_->get().base() : request_.base();
    }

    /**
     * Carries out a request (`work`: its checks and its change) once its path claims are granted —
     * at once, unless a request on an overlapping path is between its own checks and change — so no
     * other request's change on those paths comes between (locks/path_locks.hpp). While it waits, the
     * connection waits as for an operation, 102s included.
     */
    void carry_out(std::function<dav::outcome()> work) {
        auto claims = dav::claims_for(request_head(), tls_);
        if (claims.empty()) return run_work(std::move(work));
        claims_ = state_.path_locks.acquire(std::move(claims), [weak = this->weak_from_this(), ex = stream_.get_executor()] {
            net::post(ex, [weak] {
                if (auto self = weak.lock()) self->guarded([self] { self->on_claims_granted(); })();
            });
        });
        if (claims_.granted_at_once()) return run_work(std::move(work));
        pending_work_ = std::move(work);
        if (phase_ == phase::running) return; // already waiting (a test hook's hold), 102s going
        operation_description_ = method_ + " " + target_ + " (waiting for a request on an overlapping path)";
        begin_waiting(std::make_shared<dav::operation_progress>());
        apply(schedule_.start(state_.policy.settings_for(version_, user_agent_), clock::now()));
    }

    void on_claims_granted() {
        if (phase_ == phase::closed || !pending_work_) return;
        run_work(std::exchange(pending_work_, nullptr));
    }

    /** Runs a request's work now: a reply is sent (or waits for the 102 in flight), an operation goes to the pool. */
    void run_work(std::function<dav::outcome()> work) {
        auto result = work();
        if (auto* op = std::get_if<dav::operation>(&result)) {
            if (phase_ != phase::running) return start_operation(std::move(*op));
            operation_description_ = op->description;
            progress_ = op->progress;
            return run_on_pool(std::move(*op));
        }
        claims_.release(); // the change is made
        auto& reply = std::get<dav::reply>(result);
        if (phase_ == phase::running) return on_operation_done(std::move(reply));
        send_final(std::move(reply));
    }

    dav::outcome handle_request() {
        dav::context ctx = dav_context();
        try {
            return dav::handle(request_, ctx);
        } catch (const std::exception& e) {
            log::error(peer_ + ": " + method_ + " " + target_ + ": handler failed: " + e.what());
            return dav::error_reply(http::status::internal_server_error, "internal error");
        }
    }

    /** The connection waits for a result while the schedule sends 102s: an operation, or a hold. */
    void begin_waiting(std::shared_ptr<dav::operation_progress> progress) {
        phase_ = phase::running;
        progress_ = std::move(progress);
        stop_source_ = std::stop_source();
        // No read or write is pending while the worker runs; a stream timer left armed would fail
        // the next operation at once (basic_stream.hpp).
        lowest().expires_never();
        watch_client();
    }

    void start_operation(dav::operation op) {
        operation_description_ = op.description;
        begin_waiting(op.progress);
        apply(schedule_.start(state_.policy.settings_for(version_, user_agent_), clock::now()));
        run_on_pool(std::move(op));
    }

    /**
     * --test-hooks: holds the request as its Keepdav-* headers ask, with 1xx responses shaped by
     * them, then carries it out (`work`) as usual.
     */
    void start_hold(std::function<dav::outcome()> work) {
        operation_description_ = method_ + " " + target_ + " (held by test hooks)";
        begin_waiting(std::make_shared<dav::operation_progress>());
        held_work_ = std::move(work);
        auto settings = state_.policy.settings_for(version_, user_agent_);
        if (hooks_->interval) settings.interval = *hooks_->interval;
        settings.after = hooks_->after ? *hooks_->after : hooks_->interval ? *hooks_->interval : settings.after;
        if (hooks_->count) {
            settings.max_interims = *hooks_->count;
            if (*hooks_->count == 0) settings.enabled = false;
        }
        if (hooks_->silent) settings.enabled = false;
        if (hooks_->close_after) {
            close_timer_.expires_after(*hooks_->close_after);
            close_timer_.async_wait(guarded([self = this->shared_from_this()](error_code ec) {
                if (ec || self->phase_ != phase::running) return;
                log::info(self->peer_ + ": " + self->method_ + " " + self->target_ + ": closing mid-wait (Keepdav-Close-After)");
                self->server_closed_ = true;
                self->do_close();
            }));
        }
        auto begin = [self = this->shared_from_this(), settings] {
            self->apply(self->schedule_.start(settings, clock::now()));
            self->hold_timer_.expires_after(hold_time(*self->hooks_, std::chrono::duration_cast<test_hooks::duration>(settings.after),
                                                      std::chrono::duration_cast<test_hooks::duration>(settings.interval)));
            self->hold_timer_.async_wait(self->guarded([self](error_code ec) {
                if (ec || self->phase_ != phase::running) return;
                self->carry_out(std::exchange(self->held_work_, nullptr));
            }));
        };
        if (!hooks_->unasked_continue || version_ < 11 || hooks_->silent) return begin();
        // A 100 Continue the client did not ask for, before anything else (the one write in flight).
        auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
        lowest().expires_after(state_.config.write_timeout);
        http::async_write(stream_, *cont, guarded([self = this->shared_from_this(), cont, begin](error_code ec, std::size_t) {
            self->lowest().expires_never();
            if (ec) return self->do_close();
            self->note_interim(100);
            begin();
        }));
    }

    void run_on_pool(dav::operation op) {
        net::post(state_.fs_pool, [self = this->shared_from_this(), op = std::move(op), stop = stop_source_.get_token(),
                                   claims = std::move(claims_)]() mutable {
            dav::operation_context oc{stop, *op.progress};
            dav::reply r;
            try {
                r = op.run(oc);
            } catch (const std::exception& e) {
                log::error(op.description + ": operation failed: " + e.what());
                r = dav::error_reply(http::status::internal_server_error, "internal error");
            } catch (...) {
                log::error(op.description + ": operation failed: unknown exception");
                r = dav::error_reply(http::status::internal_server_error, "internal error");
            }
            claims.release(); // the change is made (or stopped): overlapping requests may go on
            if (stop.stop_requested())
                log::info(op.description + ": ended after its connection closed (" + std::to_string(static_cast<unsigned>(r.status)) + ")");
            net::post(self->stream_.get_executor(),
                      self->guarded([self, r = std::move(r)]() mutable { self->on_operation_done(std::move(r)); }));
        });
    }

    void on_operation_done(dav::reply r) {
        final_ = std::move(r);
        apply(schedule_.operation_done(clock::now()));
    }

    /**
     * Keeps a read pending while the operation runs: it notices a client that leaves, and keeps any
     * pipelined bytes for the next request.
     */
    void watch_client() {
        if (watching_ || buffer_.size() >= max_buffered_ahead) return;
        watching_ = true;
        // Into the request buffer itself: it holds nothing else while the operation runs.
        stream_.async_read_some(buffer_.prepare(4096),
                                guarded(beast::bind_front_handler(&session::on_watch, this->shared_from_this())));
    }

    void on_watch(error_code ec, std::size_t n) {
        watching_ = false;
        buffer_.commit(n); // pipelined bytes, kept for the next request
        if (phase_ == phase::closed) return;
        if (phase_ == phase::running) {
            if (!ec) return watch_client();
            if (ec == net::error::operation_aborted) return;
            log::info(peer_ + ": " + operation_description_ + ": client closed the connection (" + ec.message() +
                      "); stopping the operation");
            return do_close();
        }
        // The final response went out while this read was pending: the next request starts now.
        if (phase_ == phase::writing_final && resume_after_watch_) {
            resume_after_watch_ = false;
            after_final();
        }
    }

    dav::context dav_context() { return {state_.tree, state_.config, tls_, state_.locks.get()}; }

    // --- the schedule's steps ------------------------------------------------------------------------

    void apply(interim_schedule::step s) {
        using action = interim_schedule::action;
        switch (s.what) {
        case action::nothing: return;
        case action::arm_timer:
            interim_timer_.expires_at(s.at);
            interim_timer_.async_wait(guarded([self = this->shared_from_this()](error_code ec) {
                if (ec == net::error::operation_aborted || self->phase_ != phase::running) return;
                self->apply(self->schedule_.timer_fired(clock::now()));
            }));
            return;
        case action::write_interim: return write_interim();
        case action::write_final:
            interim_timer_.cancel();
            return write_final();
        case action::close: return do_close();
        }
    }

    void write_interim() {
        // Keepdav-Early-Hints: the second interim response is a 103 (RFC 8297) instead of a 102.
        bool early_hints = hooks_ && hooks_->early_hints && schedule_.interims_sent() == 1;
        // Beast 1.81 has no enumerator for 103 (RFC 8297), so it is spelled by number.
        auto status = early_hints ? static_cast<http::status>(103) : http::status::processing;
        auto res = std::make_shared<http::response<http::empty_body>>(status, 11);
        // No prepare_payload(): a 1xx carries no Content-Length and no body.
        if (early_hints) {
            res->reason("Early Hints");
            res->set(http::field::link, "</keepdav-hint.css>; rel=preload; as=style");
        } else {
            if (hooks_ && hooks_->status_uri) progress_->item_done(200, request_rel(), false);
            describe_progress(*res);
        }
        lowest().expires_after(state_.config.write_timeout);
        http::async_write(stream_, *res, guarded([self = this->shared_from_this(), res](error_code ec, std::size_t) {
            self->lowest().expires_never();
            if (!ec) self->note_interim(res->result_int());
            else log::info(self->peer_ + ": " + self->operation_description_ + ": writing a 102 failed (" +
                           ec.message() + "); stopping the operation");
            self->apply(self->schedule_.interim_written(!ec, clock::now()));
        }));
    }

    void note_interim(unsigned status) {
        ++interims_sent_;
        if (record_open_) record_->interims.push_back({seconds_since(request_started_), status});
    }

    /** The request's path beneath the root, for synthetic progress. */
    std::string request_rel() const {
        auto path = dav::parse_target(target_);
        return path ? path->rel : std::string();
    }

    /** RFC 2518 §9.7 Status-URI for what finished since the last 102, and the totals so far. */
    void describe_progress(http::response<http::empty_body>& res) {
        if (!progress_) return;
        auto snapshot = progress_->take();
        std::string status_uri;
        std::string base = std::string(tls_ ? "https://" : "http://") + (host_.empty() ? "localhost" : host_);
        for (const auto& done : snapshot.recent) {
            std::string entry = std::to_string(done.status) + " <" + base + dav::href_for(done.rel, done.collection) + ">";
            if (status_uri.size() + entry.size() + 1 > max_status_uri_bytes) break;
            if (!status_uri.empty()) status_uri.push_back(' ');
            status_uri += entry;
        }
        if (!status_uri.empty()) res.set("Status-URI", status_uri);
        res.set("Keepdav-Progress", "items=" + std::to_string(snapshot.items) + ", bytes=" +
                                        std::to_string(snapshot.bytes) + ", elapsed=" +
                                        std::to_string(static_cast<long long>(seconds_since(request_started_) * 1000)) + "ms");
    }

    // --- the final response --------------------------------------------------------------------------

    void send_final(dav::reply r) {
        final_ = std::move(r);
        write_final();
    }

    template <class Body>
    void finish_headers(http::response<Body>& res, const dav::reply& r) {
        res.set(http::field::server, "keepdav");
        res.set(http::field::date, current_date());
        res.keep_alive(keep_alive_ && !r.close_connection);
    }

    http::message_generator make_message(dav::reply& r) {
        const unsigned version = version_ >= 11 ? 11 : 10;
        if (is_head_ || std::holds_alternative<std::monostate>(r.body)) {
            http::response<http::empty_body> res{r.status, version};
            static_cast<http::fields&>(res) = std::move(r.fields);
            finish_headers(res, r);
            // HEAD: the headers GET would send, without the body (RFC 9110 §9.3.2).
            if (is_head_ && r.body_size() > 0) res.content_length(r.body_size());
            else if (r.status != http::status::no_content && r.status != http::status::not_modified &&
                     static_cast<unsigned>(r.status) >= 200)
                res.content_length(0);
            return res;
        }
        if (auto* text = std::get_if<std::string>(&r.body)) {
            http::response<http::string_body> res{r.status, version};
            static_cast<http::fields&>(res) = std::move(r.fields);
            res.body() = std::move(*text);
            finish_headers(res, r);
            if (r.chunked && version == 11) res.chunked(true);
            else res.prepare_payload();
            return res;
        }
        http::response<fd_range_body> res{r.status, version};
            static_cast<http::fields&>(res) = std::move(r.fields);
        res.body() = std::get<dav::file_range>(r.body);
        finish_headers(res, r);
        if (r.chunked && version == 11) res.chunked(true);
        else res.content_length(res.body().length);
        return res;
    }

    void write_final() {
        phase_ = phase::writing_final;
        if (!final_) return do_close();
        final_status_ = static_cast<unsigned>(final_->status);
        body_bytes_ = final_->body_size();
        // Shutting down: tell the client this connection ends with this response.
        if (final_->close_connection || closing_) keep_alive_ = false;
        if (auto* range = std::get_if<dav::file_range>(&final_->body); range && !is_head_ && !final_->chunked) {
            if (range->length < sendfile_threshold) return write_small_file();
            if constexpr (!tls_) return write_with_sendfile();
        }
        auto message = make_message(*final_);
        final_.reset();
        lowest().expires_after(state_.config.write_timeout);
        beast::async_write(stream_, std::move(message),
                           guarded(beast::bind_front_handler(&session::on_final_written, this->shared_from_this())));
    }

    /**
     * A small file body (the common GET): the header, written here, and the bytes in one buffer and
     * one write. Beast's generic serializer cost more per request than the send itself.
     */
    void write_small_file() {
        const dav::reply& r = *final_;
        const auto& range = std::get<dav::file_range>(r.body);
        auto out = std::make_shared<std::string>();
        out->reserve(512 + range.length);
        *out += version_ >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
        *out += std::to_string(static_cast<unsigned>(r.status));
        out->push_back(' ');
        *out += http::obsolete_reason(r.status);
        *out += "\r\n";
        for (const auto& field : r.fields) {
            *out += field.name_string();
            *out += ": ";
            *out += field.value();
            *out += "\r\n";
        }
        *out += "Server: keepdav\r\nDate: ";
        *out += current_date();
        *out += "\r\nContent-Length: ";
        *out += std::to_string(range.length);
        // What Beast's keep_alive() would set: HTTP/1.1 persists unless told, HTTP/1.0 only if told.
        if (version_ >= 11 && !keep_alive_) *out += "\r\nConnection: close";
        if (version_ < 11 && keep_alive_) *out += "\r\nConnection: keep-alive";
        *out += "\r\n\r\n";
        auto header_size = out->size();
        out->resize(header_size + range.length);
        std::uint64_t done = 0;
        while (done < range.length) {
            ssize_t n = ::pread(range.file->get(), out->data() + header_size + done, range.length - done,
                                static_cast<off_t>(range.offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // The file shrank or failed under us: the promised length cannot be kept.
                auto ec = n == 0 ? error_code(EIO, boost::system::system_category()) : fs::last_error();
                final_.reset();
                return on_final_written(ec, 0);
            }
            done += static_cast<std::uint64_t>(n);
        }
        final_.reset();
        lowest().expires_after(state_.config.write_timeout);
        net::async_write(stream_, net::buffer(*out), guarded([self = this->shared_from_this(), out](error_code ec, std::size_t n) {
            self->on_final_written(ec, n);
        }));
    }

    /** A large file body on plain TCP: Beast writes the header, sendfile(2) the bytes (no copies). */
    struct file_response {
        http::response<fd_range_body> res;
        http::response_serializer<fd_range_body> serializer{res};
        explicit file_response(http::response<fd_range_body>&& r) : res(std::move(r)) {}
    };

    void write_with_sendfile() {
        http::response<fd_range_body> res{final_->status, version_ >= 11 ? 11u : 10u};
        static_cast<http::fields&>(res) = std::move(final_->fields);
        res.body() = std::get<dav::file_range>(final_->body);
        finish_headers(res, *final_);
        res.content_length(res.body().length);
        final_.reset();
        auto job = std::make_shared<file_response>(std::move(res));
        lowest().expires_after(state_.config.write_timeout);
        http::async_write_header(stream_, job->serializer, guarded([self = this->shared_from_this(), job](error_code ec, std::size_t) {
            if (ec) return self->on_final_written(ec, 0);
            error_code ignored;
            self->lowest().socket().native_non_blocking(true, ignored);
            self->send_file_body(job, job->res.body().offset, job->res.body().length);
        }));
    }

    void send_file_body(std::shared_ptr<file_response> job, std::uint64_t offset, std::uint64_t remaining) {
        int socket_fd = lowest().socket().native_handle();
        int file_fd = job->res.body().file->get();
        while (remaining > 0) {
            off_t position = static_cast<off_t>(offset);
            ssize_t n = ::sendfile(socket_fd, file_fd, &position, std::min<std::uint64_t>(remaining, sendfile_piece));
            if (n > 0) {
                offset += n;
                remaining -= n;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) {
                // The socket buffer is full: wait until the client has read some, within the write timeout.
                hold_timer_.expires_after(state_.config.write_timeout);
                hold_timer_.async_wait(guarded([self = this->shared_from_this()](error_code ec) {
                    if (!ec) self->lowest().socket().cancel();
                }));
                lowest().socket().async_wait(tcp::socket::wait_write,
                                             guarded([self = this->shared_from_this(), job, offset, remaining](error_code ec) {
                                                 self->hold_timer_.cancel();
                                                 if (ec) return self->on_final_written(ec, 0);
                                                 self->send_file_body(job, offset, remaining);
                                             }));
                return;
            }
            // n == 0: the file shrank under us; the promised Content-Length cannot be kept.
            return on_final_written(n == 0 ? error_code(EIO, boost::system::system_category()) : fs::last_error(), 0);
        }
        on_final_written({}, 0);
    }

    void on_final_written(error_code ec, std::size_t) {
        log_access(ec);
        close_timer_.cancel();
        close_record(ec ? std::nullopt : std::optional<unsigned>(final_status_), bool(ec));
        progress_.reset();
        request_ = {};
        if (ec || !keep_alive_ || closing_) return do_close();
        if (watching_) {
            // The watch read is the only operation left pending; end it, then read the next request.
            resume_after_watch_ = true;
            error_code ignored;
            lowest().socket().cancel(ignored);
            return;
        }
        after_final();
    }

    void after_final() { do_read_header(); }

    /**
     * One line per request in the Combined Log Format, then the number of 1xx sent and the seconds
     * the request took: `host - user [date] "request" status bytes "referer" "agent" interim=N time=S`.
     */
    void log_access(error_code ec) {
        if (state_.config.access_log_off) return;
        char date[40];
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        ::gmtime_r(&now, &tm);
        std::strftime(date, sizeof date, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
        auto quoted = [](std::string_view s) {
            if (s.empty()) return std::string("\"-\""); // Combined Log Format's mark for a missing field
            std::string out = "\"";
            for (char c : s) {
                if (c == '"' || c == '\\') out.push_back('\\');
                if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
            }
            return out + "\"";
        };
        std::string line = peer_ + " - " + (user_.empty() ? "-" : user_) + " " + date + " " +
                           quoted(method_ + " " + target_ + (version_ >= 11 ? " HTTP/1.1" : " HTTP/1.0")) + " " +
                           std::to_string(final_status_) + " " + std::to_string(body_bytes_) + " " + quoted(referer_) +
                           " " + quoted(user_agent_) + " interim=" + std::to_string(interims_sent_);
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, " time=%.3f", seconds_since(request_started_));
        line += seconds;
        if (ec) line += " write-error=" + quoted(ec.message());
        if (state_.access_log)
            state_.access_log->append(line);
        else if (!state_.config.access_log_off)
            log::info(line);
    }

    void open_record() {
        record_open_ = state_.transcript != nullptr; // built only for --transcript
        if (!record_open_) return;
        record_ = std::make_unique<request_record>();
        auto now = std::chrono::system_clock::now();
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
        std::time_t secs = static_cast<std::time_t>(ms / 1000);
        char millis[8];
        std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
        record_->time = http_util::format_rfc3339(secs);
        record_->time.insert(record_->time.size() - 1, millis, 4); // "...:37Z" -> "...:37.123Z"
        record_->remote = peer_;
        record_->method = method_;
        record_->target = target_;
        record_->version = version_;
        record_->user_agent = user_agent_;
    }

    /** Ends the request's transcript entry (once). */
    void close_record(std::optional<unsigned> status, bool client_gone) {
        if (!record_open_) return;
        record_open_ = false;
        record_->status = status;
        record_->total = seconds_since(request_started_);
        if (status) record_->final_t = record_->total;
        record_->client_gone = client_gone;
        if (state_.transcript) state_.transcript->append(*record_);
    }

    void do_close() {
        if (phase_ == phase::closed) return;
        // A request still without its final response: the client left, unless the server chose to close.
        close_record(std::nullopt, !server_closed_);
        phase_ = phase::closed;
        hold_timer_.cancel();
        close_timer_.cancel();
        stop_source_.request_stop(); // a running operation stops at its next clean point
        interim_timer_.cancel();
        upload_.reset();
        pending_work_ = nullptr;
        claims_.release(); // a request waiting for its claims leaves the queue
        error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
    }

    Stream stream_;
    shared_state& state_;
    beast::flat_buffer buffer_;
    net::steady_timer interim_timer_;
    net::steady_timer hold_timer_;  ///< test hooks: when a held request is carried out
    net::steady_timer close_timer_; ///< test hooks: when to drop the connection mid-wait
    interim_schedule schedule_;
    std::optional<test_hooks> hooks_;
    std::function<dav::outcome()> held_work_;
    std::function<dav::outcome()> pending_work_; ///< waiting for its path claims
    locks::path_locks::hold claims_;
    std::unique_ptr<request_record> record_; ///< only with --transcript
    bool record_open_ = false;
    bool server_closed_ = false;
    std::stop_source stop_source_{std::nostopstate};

    // On the heap, one request at a time: an idle keep-alive connection carries none of them.
    std::unique_ptr<http::request_parser<http::empty_body>> header_parser_;
    std::unique_ptr<http::request_parser<http::string_body>> body_parser_;
    std::unique_ptr<http::request_parser<fd_sink_body>> upload_parser_;
    std::unique_ptr<char[]> upload_chunk_; ///< the read buffer of a direct upload
    std::uint64_t upload_remaining_ = 0;
    std::optional<dav::upload> upload_;
    dav::request request_;
    std::optional<dav::reply> final_;
    std::shared_ptr<dav::operation_progress> progress_;

    phase phase_ = phase::reading_header;
    bool watching_ = false;
    bool resume_after_watch_ = false;
    bool closing_ = false;
    bool keep_alive_ = true;
    bool is_head_ = false;
    unsigned version_ = 11;

    // For the access log and the 102s.
    std::string peer_;
    std::string method_;
    std::string target_;
    std::string user_agent_;
    std::string host_;
    std::string referer_;
    std::string user_;
    std::string operation_description_;
    clock::time_point request_started_ = clock::now();
    unsigned interims_sent_ = 0;
    clock::time_point window_start_{}; ///< the body-rate window
    std::uint64_t window_bytes_ = 0;
    unsigned final_status_ = 0;
    std::uint64_t body_bytes_ = 0;

};

void start_session(tcp::socket socket, shared_state& state, net::ssl::context* tls) {
    if (tls) {
        using tls_stream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<session<tls_stream>>(tls_stream(beast::tcp_stream(std::move(socket)), *tls), state)->run();
    } else {
        std::make_shared<session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), state)->run();
    }
}

void close_when_idle(const std::shared_ptr<session_base>& s) { s->post_close_when_idle(); }

void abort_session(const std::shared_ptr<session_base>& s) { s->post_abort(); }

// --- shared_state's registry -----------------------------------------------------------------------

void shared_state::add(session_base* s, std::weak_ptr<session_base> weak) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(s, std::move(weak));
}

void shared_state::remove(session_base* s) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
    if (sessions_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<session_base>> shared_state::sessions() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<session_base>> out;
    for (auto& [_, weak] : sessions_)
        if (auto s = weak.lock()) out.push_back(std::move(s));
    return out;
}

std::size_t shared_state::session_count() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

bool shared_state::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return empty_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

} // namespace keepdav::server
