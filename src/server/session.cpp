#include "server/session.hpp"

#include "dav/claims.hpp"
#include "dav/handler.hpp"
#include "dav/target.hpp"
#include "http/date.hpp"
#include "log.hpp"
#include "server/admission.hpp"
#include "server/connection_guard.hpp"
#include "server/async_operations.hpp"
#include "server/peer.hpp"
#include "server/read_failure.hpp"
#include "server/request_origin.hpp"
#include "server/incoming_request.hpp"
#include "server/request_runner.hpp"
#include "server/resumable_exchange.hpp"
#include "server/request_summary.hpp"
#include "server/response_writer.hpp"
#include "server/shared_state.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <stop_token>

namespace keepdav::server {

namespace {

using clock = std::chrono::steady_clock;
using boost::system::error_code;

/** Pipelined bytes read while an operation runs are kept for the next request, up to this much. */
constexpr std::size_t max_buffered_ahead = 64 * 1024;
/** The read buffer an idle keep-alive connection holds: most request headers fit, and it costs little. */
constexpr std::size_t idle_read_size = 512;

} // namespace

/**
 * One connection over a plain TCP stream, or over TLS (beast::ssl_stream<beast::tcp_stream>): the
 * request cycle — header, body, dispatch, wait (102s) or answer, final response, next request or
 * close — in the do_x/on_x style. Reading, sending files, messages, logs and the 102 cadence are
 * pieces of their own; this class only sequences them.
 */
template <class Stream>
class session : public session_base, public std::enable_shared_from_this<session<Stream>> {
    static constexpr bool tls_ = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    session(Stream&& stream, shared_state& state)
        : stream_(std::move(stream)), state_(state), runner_(*this, stream_, state) {
        auto remote = peer_of(lowest().socket().native_handle());
        record_.summary().peer = remote.name;
        trusted_peer_ = remote.local_socket || (remote.address && state_.proxies.contains(*remote.address));
    }

    ~session() override { state_.remove(this); }

    void run() {
        state_.add(this, this->weak_from_this());
        net::dispatch(stream_.get_executor(), guarded([self = this->shared_from_this()] { self->start(); }));
    }

    void post_close_when_idle() override {
        net::post(stream_.get_executor(), guarded([self = this->shared_from_this()] {
            self->closing_ = true;
            // Nothing of a request has arrived: there is nothing to finish.
            if (self->phase_ == phase::reading_header && self->buffer_.size() == 0) self->do_close();
        }));
    }

    void post_abort() override {
        net::post(stream_.get_executor(), [self = this->shared_from_this()] {
            self->server_closed_ = true;
            // An operation that outlived its client (a MOVE, a DELETE) stops now too.
            if (self->phase_ == phase::closed) return self->runner_.stop_outliving();
            self->guarded([self] { self->do_close(); })();
        });
    }

    /** Wraps a completion handler of this connection (connection_guard.hpp). */
    template <class Handler>
    auto guarded(Handler handler) {
        return guard_completion(this->shared_from_this(), std::move(handler));
    }

    bool closed() const { return phase_ == phase::closed; }

    /** An exception escaped while serving this connection: it closes, alone. */
    void contain(const char* what) noexcept {
        server_closed_ = true;
        try {
            log::error(who() + ": internal error (" + what + "); closing this connection");
        } catch (...) {
            // Out of memory for the log line: the close below matters more.
        }
        try {
            do_close();
        } catch (...) {
            // Closing failed as well: the socket goes with the session.
        }
    }

private:
    friend class request_runner<session, Stream>;
    enum class phase { reading_header, reading_body, handling, running, writing_final, closed };

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
    std::string who() const { return record_.summary().peer + ": " + record_.summary().method + " " + record_.summary().target; }

    void start() {
        if constexpr (tls_) {
            // Plain HTTP sent to a TLS port fails here, and the connection is closed.
            lowest().expires_after(state_.config.header_timeout);
            stream_.async_handshake(net::ssl::stream_base::server, guarded([self = this->shared_from_this()](error_code ec) {
                if (!ec) return self->do_read_header();
                log::info(self->record_.summary().peer + ": TLS handshake failed: " + ec.message());
                self->server_closed_ = true;
                self->do_close();
            }));
        } else {
            do_read_header();
        }
    }

    // --- reading a request -----------------------------------------------------------------------

    void do_read_header() {
        phase_ = phase::reading_header;
        if (closing_ && buffer_.size() == 0) return do_close();
        if (buffer_.size() > 0) return read_header();
        // Idle until the client sends again (the keep-alive timeout), holding a small read buffer:
        // a read, unlike a wait for readability, costs no epoll_ctl, and with TLS OpenSSL may already
        // hold application data that the socket will never signal again.
        if (buffer_.capacity() > idle_read_size) buffer_.shrink_to_fit();
        lowest().expires_after(state_.config.idle_timeout);
        stream_.async_read_some(buffer_.prepare(idle_read_size), guarded([self = this->shared_from_this()](error_code ec, std::size_t n) {
            self->buffer_.commit(n);
            if (ec) return self->on_header(ec);
            self->read_header();
        }));
    }

    /** From the first byte on, the whole header must come within the header timeout: a client that dribbles is cut off. */
    void read_header() {
        auto& parser = in_.start(state_.config.max_header_bytes);
        lowest().expires_after(state_.config.header_timeout);
        async_read_request_part(stream_, buffer_, parser, true, read_limits::of(state_.config),
                                guarded(beast::bind_front_handler(&session::on_header, this->shared_from_this())));
    }

    void on_header(error_code ec) {
        if (ec) {
            // Nothing of this request is known: an answer is framed as HTTP/1.1 with a body, whatever came before.
            version_ = 11;
            is_head_ = false;
            return read_failed(header_read_failure(ec, buffer_.size() > 0), record_.summary().peer);
        }
        auto users = state_.users.load(); // once a request: an atomic shared_ptr load takes a lock
        begin_request(in_.header().get(), users != nullptr);
        phase_ = phase::handling; // no longer idle: a shutdown lets the request finish
        async_admit(in_.header().get(), state_, std::move(users), who(), record_.summary().peer, trusted_peer_, stream_.get_executor(),
                    guarded(beast::bind_front_handler(&session::on_admitted, this->shared_from_this())));
    }

    void on_admitted(admission admitted) {
        hooks_ = std::move(admitted.hooks);
        if ((user_ = std::move(admitted.who))) record_.summary().user = user_->name;
        const auto& head = in_.head();
        if (auto& refusal = admitted.refusal) {
            if (refusal->close_connection) keep_alive_ = false;
            return send_unread(std::move(*refusal));
        }
        // The monitors of asynchronous operations are not files: answered here, whatever the method.
        if (auto monitor_id = monitor_id_of(head.target(), state_.config.path_prefix))
            return send_unread(serve_monitor(head.method(), *monitor_id, record_.summary().user, state_.monitors));
        if (state_.uploads && is_resumable(head, state_.config.path_prefix)) return begin_resumable();
        if (head.method() == http::verb::put || head.method() == http::verb::patch) {
            auto started = dav::handle(dav::request(head), dav_context());
            if (auto* refusal = std::get_if<dav::reply>(&started)) return send_unread(std::move(*refusal));
            in_.into_file(std::move(std::get<dav::upload>(started)), state_.config.max_put_bytes);
        } else if (auto declared = in_.into_memory(state_.config.max_xml_body_bytes)) {
            log::info(who() + ": request body of " + std::to_string(*declared) + " bytes refused unread");
            return read_failed(body_read_failure(http::error::body_limit, state_.config.max_xml_body_bytes, 0), {});
        }
        read_body();
    }

    /** Resumable uploads (server/resumable_exchange): answered now, or a body for the upload's file. */
    void begin_resumable() {
        auto self = this->shared_from_this();
        auto base = request_origin_().base() + state_.config.path_prefix;
        begin_when_free(executor(), [self, base]() -> resumable_request::start {
            if (self->closed()) return std::monostate{};
            return resumable_request::begin(self->in_.head(), self->dav_context(), *self->state_.uploads, self->record_.summary().user,
                                            base, self->weak_from_this());
        }, guarded([self](resumable_request::start started) {
            auto* r = std::get_if<resumable_request>(&started);
            if (!r) return self->send_unread(std::holds_alternative<dav::reply>(started) ? std::get<dav::reply>(std::move(started))
                                                                                         : dav::error_reply(http::status::service_unavailable));
            self->resumable_.emplace(std::move(*r));
            self->in_.into_fd(self->resumable_->fd(), self->resumable_->body_limit());
            self->read_body();
        }));
    }

    void read_body() {
        if (in_.body_done()) return on_body({});
        phase_ = phase::reading_body;
        if (resumable_) {
            auto settings = resumable_->interims(interim_settings(), in_.head());
            in_.continue_from_interims = settings.unasked_continue; // one write at a time: the 100, then the 104
            runner_.interims_while_reading(settings, resumable_->interim_content(interim_content(nullptr, false), state_.config.body_timeout));
        }
        async_read_body(stream_, buffer_, in_, state_.config, guarded(beast::bind_front_handler(&session::on_body, this->shared_from_this())));
    }

    /** An answer before the body is read: the body stays unread and, unless there is none, the connection cannot be reused. */
    void send_unread(dav::reply r) {
        if (!in_.body_done()) keep_alive_ = false;
        send_final(std::move(r));
    }

    void begin_request(const http::request<http::empty_body>& head, bool with_users) {
        record_.begin(head, with_users);
        version_ = head.version();
        keep_alive_ = head.keep_alive() && !closing_;
        is_head_ = head.method() == http::verb::head;
        forwarded_.reset();
        if (trusted_peer_ || state_.public_url) forwarded_ = origin_of(head, tls_, trusted_peer_, state_.public_url);
    }

    void on_body(error_code ec) {
        if (runner_.reading()) return runner_.body_read([this, ec] { on_body(ec); }); // after the 104 in flight
        if (ec && in_.is_upload()) {
            in_.upload.reset(); // discards the pending file: nothing half-written becomes visible
            resumable_.reset(); // keeps what came of a resumable upload's: the client resumes from there
            return read_failed(upload_read_failure(ec, state_.config.max_put_bytes, state_.config.min_body_rate, who()), who());
        }
        if (ec) return read_failed(body_read_failure(ec, state_.config.max_xml_body_bytes, state_.config.min_body_rate), who());
        phase_ = phase::handling;
        if (!in_.is_upload()) return runner_.run([this] { return handle_request(); }, hooks_);
        runner_.run(
            [this]() -> dav::outcome {
                if (resumable_) return std::exchange(resumable_, std::nullopt)->finish(in_.head(), dav_context());
                auto reply = dav::finish_put(*in_.upload, in_.head(), dav_context());
                in_.upload.reset();
                return reply;
            },
            hooks_);
    }

    /** A request that could not be read whole: answered, if there is anything to say, and the connection ends. */
    void read_failed(read_failure failure, const std::string& who) {
        if (!failure.log_line.empty() && !who.empty()) log::info(who + ": " + failure.log_line);
        if (failure.server_closed) server_closed_ = true;
        if (!failure.answer) return do_close();
        keep_alive_ = false; // the rest of what the client sent cannot be told apart from this request
        send_final(std::move(*failure.answer));
    }

    // --- handling: request_runner carries the request out; these are what it asks of the connection --

    dav::outcome handle_request() {
        try {
            return dav::handle(in_.whole(), dav_context());
        } catch (const std::exception& e) {
            log::error(who() + ": handler failed: " + e.what());
            return dav::error_reply(http::status::internal_server_error, "internal error");
        }
    }

    dav::context dav_context() {
        auto ctx = state_.dav_context(forwarded_ ? forwarded_->https : tls_, user_);
        if (forwarded_) ctx.host = forwarded_->host;
        return ctx;
    }

    request_origin request_origin_() const {
        if (forwarded_) return *forwarded_;
        return {tls_, std::string(in_.head()[http::field::host])};
    }

    std::vector<locks::path_claim> claims() const {
        auto origin = request_origin_();
        if (resumable_) return resumable_->claims(origin.https, origin.host, state_.config.path_prefix);
        return dav::claims_for(in_.head(), origin.https, origin.host, state_.config.path_prefix);
    }

    /** How many 1xx this request may get: its client, the proxies it came through, the settings. */
    interim_schedule::settings interim_settings() const {
        auto signs = proxy_signs_of(in_.head(), trusted_peer_);
        return state_.policy.decide(version_, record_.summary().user_agent, signs).settings;
    }

    typename interim_sender<Stream>::content interim_content(std::shared_ptr<dav::operation_progress> progress, bool synthetic) {
        std::optional<std::string> item; // test hooks: the held request itself, as finished progress
        if (synthetic)
            if (auto path = dav::parse_target(record_.summary().target, state_.config.path_prefix)) item = path->rel;
        return {std::move(progress), request_origin_().base() + state_.config.path_prefix, record_.started(), std::move(item),
                who(), &record_.summary().interims};
    }

    bool wants_async() const { return runs_async(in_.head()); }

    dav::reply start_async(dav::operation op, locks::path_locks::hold claims) {
        return server::start_async(state_.fs_pool, std::move(op), std::move(claims), state_.monitors, record_.summary().user,
                                   request_origin_().base() + state_.config.path_prefix);
    }

    void on_waiting() {
        phase_ = phase::running;
        // No read or write is pending while the worker runs; a stream timer left armed would fail
        // the next operation at once (basic_stream.hpp).
        lowest().expires_never();
        watch_client();
    }

    void on_final_due(dav::reply r) { send_final(std::move(r)); }

    void on_wait_broken(bool dropped) {
        if (dropped) {
            log::info(who() + ": closing mid-wait (Keepdav-Close-After)");
            server_closed_ = true;
        }
        do_close();
    }

    net::any_io_executor executor() { return stream_.get_executor(); }
    std::chrono::steady_clock::duration write_timeout() const { return state_.config.write_timeout; }

    /**
     * Keeps a read pending while the operation runs: it notices a client that leaves, and keeps any
     * pipelined bytes for the next request.
     */
    void watch_client() {
        if (watching_ || buffer_.size() >= max_buffered_ahead) return;
        watching_ = true;
        // Into the request buffer itself: it holds nothing else while the operation runs.
        stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](error_code ec, std::size_t n) {
            self->watching_ = false; // whatever happens next, this read is over
            self->guarded([self, ec, n] { self->on_watch(ec, n); })();
        });
    }

    void on_watch(error_code ec, std::size_t n) {
        buffer_.commit(n); // pipelined bytes, kept for the next request
        if (phase_ == phase::running || streaming_) {
            if (!ec) return watch_client();
            if (ec == net::error::operation_aborted) return;
            // A client may close once the whole streamed body reached it, before the last write's
            // completion is seen here: no further request, but not a client that left mid-body.
            if (streaming_ && streaming_->drained() && (ec == net::error::eof || ec == net::ssl::error::stream_truncated))
                return void(keep_alive_ = false);
            log::info(who() + ": client closed the connection (" + ec.message() + "); stopping the operation");
            return do_close();
        }
        // The final response went out while this read was pending: the next request starts now.
        if (phase_ == phase::writing_final && std::exchange(resume_after_watch_, false)) do_read_header();
    }

    // --- the final response --------------------------------------------------------------------------

    void send_final(dav::reply reply) {
        phase_ = phase::writing_final;
        record_.summary().status = static_cast<unsigned>(reply.status);
        record_.summary().body_bytes = reply.body_size();
        // Shutting down: tell the client this connection ends with this response.
        if (ends_connection(reply, version_) || closing_) keep_alive_ = false;
        response_framing framing{version_, keep_alive_, is_head_, http_util::current_http_date()};
        // Exactly one write in flight per connection: the schedule lets the final response wait for a 1xx.
        BOOST_ASSERT_MSG(!runner_.writing_interim(), "the final response while a 1xx is in flight");
        if (std::holds_alternative<dav::streamed_body>(reply.body)) {
            // Made while it is sent: its producer stops when the connection closes, and a pending
            // read (with no deadline of its own) notices a client that leaves while it waits.
            streaming_ = std::get<dav::streamed_body>(reply.body).pipe;
            stop_source_ = std::stop_source();
            lowest().expires_never();
            watch_client();
        }
        lowest().expires_after(state_.config.write_timeout);
        async_write_reply(stream_, std::move(reply), framing, state_.config.write_timeout,
                          {state_.fs_pool, stop_source_.get_token()}, watching_,
                          guarded(beast::bind_front_handler(&session::on_final_written, this->shared_from_this())));
    }

    void on_final_written(error_code ec, std::uint64_t body_bytes) {
        streaming_.reset();
        record_.summary().body_bytes = body_bytes;
        if (ec == body_incomplete()) server_closed_ = true; // the producer failed (and logged why), not the client
        runner_.answered();
        state_.record_answered(record_.answered(ec, server_closed_));
        in_.clear();
        if (ec || !keep_alive_ || closing_) return do_close();
        if (watching_) {
            // The watch read is the only operation left pending; end it, then read the next request.
            resume_after_watch_ = true;
            error_code ignored;
            lowest().socket().cancel(ignored);
            return;
        }
        do_read_header();
    }

    /** An operation that ran on after its client left has ended: its outcome goes to the log and the transcript. */
    void on_outlived(http::status status) noexcept {
        try {
            log::info(who() + ": finished after its client left (" + std::to_string(static_cast<unsigned>(status)) + ")");
            record_.summary().status = static_cast<unsigned>(status);
            record_unanswered();
        } catch (...) {
            // Out of memory for a log line: the operation's work is done all the same.
        }
    }

    /** The transcript line of a request that ends without its final response. */
    void record_unanswered() {
        if (auto* summary = record_.unanswered(server_closed_)) state_.record_unanswered(*summary);
    }

    void do_close() {
        if (phase_ == phase::closed) return;
        // A MOVE or DELETE runs on when its client leaves (dav::operation::finishes_without_client).
        if (!runner_.close(server_closed_)) record_unanswered();
        resumable_.reset();
        phase_ = phase::closed;
        stop_source_.request_stop(); // a streamed body's producer stops at its next clean point
        in_.upload.reset(); // a pending upload file is discarded: nothing half-written becomes visible
        error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
    }

    Stream stream_;
    shared_state& state_;
    beast::flat_buffer buffer_;
    request_runner<session, Stream> runner_;
    std::optional<test_hooks> hooks_;
    std::stop_source stop_source_{std::nostopstate}; ///< stops a streamed body's producer

    incoming_request in_;
    std::optional<resumable_request> resumable_; ///< a resumable upload's, while its body is read

    phase phase_ = phase::reading_header;
    bool watching_ = false;
    std::shared_ptr<dav::body_pipe> streaming_; ///< the body being streamed, if one is
    bool resume_after_watch_ = false;
    bool closing_ = false, server_closed_ = false;
    bool keep_alive_ = true;
    bool is_head_ = false;
    unsigned version_ = 11;
    bool trusted_peer_ = false;     ///< the peer is a --trusted-proxy
    /** What a trusted proxy or --public-url says of the scheme and authority the client used; none: the connection and Host. */
    std::optional<request_origin> forwarded_;
    std::shared_ptr<const user> user_; ///< whose request (admission.hpp): its log name, its monitors' owner
    request_record record_; ///< for the access log and the transcript
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

} // namespace keepdav::server
