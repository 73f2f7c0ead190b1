#pragma once
// Carries out one request once it has been read: its path claims (locks/path_locks.hpp), a test hook's
// hold, its work (dav::handle, or finishing a PUT), a long operation on the file system pool or under
// a monitor (RFC 7240), and the 1xx that keep the client waiting meanwhile. It ends in one of two ways,
// told to its owner (the session) once: a final response is due (no 1xx is in flight), or the
// connection must close (a 1xx could not be written, Keepdav-Close-After).
//
// The owner provides what only it knows of the request, asked for when needed so that a request
// answered at once (most of them) pays for none of it:
//   std::vector<locks::path_claim> claims();
//   interim_schedule::settings interim_settings();
//   interim_sender<Stream>::content interim_content(std::shared_ptr<dav::operation_progress>, bool synthetic);
//   bool wants_async();                                                // Prefer: respond-async
//   dav::reply start_async(dav::operation, locks::path_locks::hold);   // its 202
//   void on_waiting();            // the connection now waits: no read or write of the owner's is pending
//   void on_final_due(dav::reply);
//   void on_wait_broken(bool dropped);  // close: a 1xx failed, or a hook dropped the connection
//   void on_outlived(http::status);     // an operation that outlived its closed connection ended
//   bool closed(); std::string who(); executor(); write_timeout(); guarded(handler), shared_from_this(), weak_from_this()
// and makes this class its friend (the completions reach the runner through the owner, which keeps both alive).
#include "dav/handler.hpp"
#include "log.hpp"
#include "server/interim_sender.hpp"
#include "server/operation_runner.hpp"
#include "server/request_hold.hpp"
#include "server/shared_state.hpp"
#include "server/test_hooks.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

namespace keepdav::server {

template <class Owner, class Stream>
class request_runner {
public:
    using work = std::function<dav::outcome()>;

    request_runner(Owner& owner, Stream& stream, shared_state& state)
        : owner_(owner), state_(state), stream_(stream) {}

    /** Carries out `work`, held first if `hooks` say so (--test-hooks). */
    void run(work w, const std::optional<test_hooks>& hooks) {
        if (hooks) return start_hold(std::move(w), *hooks);
        carry_out(std::move(w));
    }

    /** True while the connection waits for this request (1xx may go out), until the final response is due. */
    bool waiting() const { return waiting_; }
    /** A 1xx is being written: the owner writes nothing else meanwhile. */
    bool writing_interim() const { return waits_ && waits_->interims.writing(); }

    /** The request was answered: a hook's drop is due no more. */
    void answered() {
        if (waits_) waits_->hold.answered();
        waiting_ = false;
    }

    /**
     * The connection closes. An operation that finishes without its client (a MOVE, a DELETE) runs on
     * unless `stop_all`; anything else stops at its next clean point. True when one runs on.
     */
    bool close(bool stop_all) {
        bool runs_on = operation_running_ && outlives_client_ && !stop_all;
        waiting_ = false;
        if (waits_) {
            waits_->interims.cancel();
            waits_->hold.cancel();
        }
        if (!runs_on) stop_source_.request_stop();
        pending_work_ = nullptr;
        held_work_ = nullptr;
        after_reading_ = nullptr;
        claims_.release(); // a request waiting for its claims leaves the queue
        return runs_on;
    }

    /**
     * 1xx while the request's body is still being read (a resumable upload's 104s, under the same
     * policy and caps); body_read() ends them.
     */
    void interims_while_reading(const interim_schedule::settings& s, typename interim_sender<Stream>::content c) {
        auto self = owner_.shared_from_this();
        reading_ = true;
        waits().interims.start(s, std::move(c), owner_.write_timeout(), self, self->guarded([self](bool ok) {
            auto& runner = self->runner_;
            runner.reading_ = false;
            if (!ok) return self->on_wait_broken(false);
            if (runner.after_reading_) std::exchange(runner.after_reading_, nullptr)();
        }));
    }

    bool reading() const { return reading_; }
    /** The body is in (or its read failed): `then` runs once no 1xx is in flight. */
    void body_read(std::function<void()> then) {
        if (!reading_) return then();
        after_reading_ = std::move(then);
        waits().interims.operation_done();
    }

    /** The server aborts: an operation that outlived its client stops too. */
    void stop_outliving() { stop_source_.request_stop(); }

private:
    /**
     * Carries out a request (`work`: its checks and its change) once its path claims are granted —
     * at once, unless a request on an overlapping path is between its own checks and change — so no
     * other request's change on those paths comes between. While it waits, the connection waits as
     * for an operation, 102s included.
     */
    void carry_out(work w) {
        auto claims = owner_.claims();
        if (claims.empty()) return run_work(std::move(w));
        claims_ = state_.path_locks.acquire(std::move(claims), [weak = owner_.weak_from_this(), ex = owner_.executor()] {
            net::post(ex, [weak] {
                if (auto self = weak.lock()) self->guarded([self] { self->runner_.on_claims_granted(); })();
            });
        });
        if (claims_.granted_at_once()) return run_work(std::move(w));
        pending_work_ = std::move(w);
        if (waiting_) return; // already waiting (a test hook's hold), 1xx going
        begin_waiting(std::make_shared<dav::operation_progress>(), owner_.interim_settings(), false);
    }

    void on_claims_granted() {
        if (!pending_work_) return;
        if (claims_.remote_failed()) {
            // The other nodes' claims could not be taken (their database is out of reach): the
            // request's checks and change would not be one step across nodes, so it is not done.
            pending_work_ = nullptr;
            claims_.release();
            log::error(owner_.who() + ": 503 (the cross-node claims could not be taken)");
            return on_result(dav::error_reply(http::status::service_unavailable, "the lock table is unreachable; try again"));
        }
        run_work(std::exchange(pending_work_, nullptr));
    }

    /** Runs a request's work now: a reply is due (or waits for the 1xx in flight), an operation goes to the pool. */
    void run_work(work w) {
        auto result = w();
        if (auto* op = std::get_if<dav::operation>(&result); op && owner_.wants_async()) {
            result = owner_.start_async(std::move(*op), std::move(claims_)); // RFC 7240 §4.1: 202 now
        } else if (op) {
            if (!waiting_) begin_waiting(op->progress, owner_.interim_settings(), false);
            else waits().interims.follow(op->progress);
            outlives_client_ = op->finishes_without_client;
            operation_running_ = true;
            return run_operation(state_.fs_pool, std::move(*op), stop_source_.get_token(), std::move(claims_),
                                 owner_.executor(), [self = owner_.shared_from_this()](dav::reply r) mutable {
                                     auto& runner = self->runner_;
                                     runner.operation_running_ = false;
                                     if (self->closed()) return self->on_outlived(r.status);
                                     self->guarded([self, r = std::move(r)]() mutable { self->runner_.on_result(std::move(r)); })();
                                 });
        }
        claims_.release(); // the change is made
        on_result(std::move(std::get<dav::reply>(result)));
    }

    void on_result(dav::reply r) {
        if (!waiting_) return due(std::move(r));
        waits().result = std::move(r);
        waits().interims.operation_done();
    }

    void due(dav::reply r) {
        waiting_ = false;
        owner_.on_final_due(std::move(r));
    }

    /** The connection waits for a result while 1xx go out on the schedule's cadence. */
    void begin_waiting(std::shared_ptr<dav::operation_progress> progress, const interim_schedule::settings& settings,
                       bool synthetic) {
        waiting_ = true;
        stop_source_ = std::stop_source();
        owner_.on_waiting();
        auto self = owner_.shared_from_this();
        waits().interims.start(settings, owner_.interim_content(std::move(progress), synthetic), owner_.write_timeout(), self,
                        self->guarded([self](bool final_due) {
                            auto& runner = self->runner_;
                            auto& result = runner.waits().result;
                            if (final_due && result) return runner.due(*std::exchange(result, std::nullopt));
                            runner.waiting_ = false;
                            self->on_wait_broken(false);
                        }));
    }

    /**
     * --test-hooks: holds the request as its Keepdav-* headers ask, with 1xx responses shaped by
     * them, then carries it out as usual.
     */
    void start_hold(work w, const test_hooks& hooks) {
        held_work_ = std::move(w);
        auto settings = shape_interims(hooks, owner_.interim_settings());
        auto self = owner_.shared_from_this();
        waits().hold.start(hooks, settings, self->guarded([self] {
                        auto& runner = self->runner_;
                        if (runner.waiting_) runner.carry_out(std::exchange(runner.held_work_, nullptr));
                    }),
                    self->guarded([self] {
                        if (self->runner_.waiting_) self->on_wait_broken(true);
                    }));
        begin_waiting(std::make_shared<dav::operation_progress>(), settings, hooks.status_uri);
    }

    /**
     * The timers and 1xx state of a wait, made the first time this connection waits and kept for its
     * later requests (their handlers point into it): an idle connection, or one whose requests are
     * all answered at once, carries none of it (about 630 bytes).
     */
    struct wait_parts {
        interim_sender<Stream> interims;
        request_hold hold;
        std::optional<dav::reply> result; ///< ready while a 1xx is still in flight
        explicit wait_parts(Stream& s) : interims(s), hold(s.get_executor()) {}
    };
    wait_parts& waits() {
        if (!waits_) waits_ = std::make_unique<wait_parts>(stream_);
        return *waits_;
    }

    Owner& owner_;
    shared_state& state_;
    Stream& stream_;
    std::unique_ptr<wait_parts> waits_;
    work held_work_;    ///< test hooks: carried out when the hold ends
    work pending_work_; ///< waiting for its path claims
    locks::path_locks::hold claims_;
    std::stop_source stop_source_{std::nostopstate};
    bool waiting_ = false;
    bool reading_ = false;                ///< 1xx go out while the body is read
    std::function<void()> after_reading_; ///< what follows the body once no 1xx is in flight
    bool operation_running_ = false; ///< on the file system pool now
    bool outlives_client_ = false;   ///< it runs on if the client leaves
};

} // namespace keepdav::server
