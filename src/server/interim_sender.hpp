#pragma once
// The 1xx responses of one waiting request: the one timer that obeys the interim_schedule and the
// writes it asks for. It completes once, through its handler: when the final response may be written
// (no 1xx is in flight), or when a 1xx could not be written (the connection must close).
#include "dav/progress.hpp"
#include "log.hpp"
#include "net.hpp"
#include "server/interim_message.hpp"
#include "server/interim_schedule.hpp"
#include "server/request_summary.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keepdav::server {

template <class Stream>
class interim_sender {
public:
    using clock = std::chrono::steady_clock;

    /** What the 1xx of one request say, and where they are recorded. */
    struct content {
        std::shared_ptr<dav::operation_progress> progress;
        std::string base;                              ///< "scheme://host" and --prefix, for Status-URI
        clock::time_point started;                     ///< the request's: 102s tell the time since
        std::optional<std::string> synthetic_item;     ///< test hooks: this item finished, per 102
        std::string who;                               ///< names the request in log lines
        std::vector<request_summary::interim>* record; ///< each 1xx written is appended here
        /** Makes the periodic interims other than 102 (the 104s of resumable uploads); empty: a bare status line. */
        std::function<http::response<http::empty_body>()> other = {};
        /** The stream's deadline after each 1xx (a body still being read keeps its own); empty: none. */
        std::function<clock::duration()> deadline_after = {};
    };

    explicit interim_sender(Stream& stream) : stream_(stream), timer_(stream.get_executor()) {}

    /**
     * Starts the wait. `done(true)`: the final response may be written now; `done(false)`: a 1xx
     * failed, close. `life` keeps the owner (and so this object) alive while a completion is pending.
     */
    void start(const interim_schedule::settings& s, content c, clock::duration write_timeout,
               std::shared_ptr<void> life, std::function<void(bool)> done) {
        content_ = std::move(c);
        write_timeout_ = write_timeout;
        life_ = std::move(life);
        done_ = std::move(done);
        apply(schedule_.start(s, clock::now()));
    }

    /** The result is ready: done(true) follows, once no 1xx is in flight. */
    void operation_done() { apply(schedule_.operation_done(clock::now())); }

    /** The progress the 102s report from now on (a held request that became an operation). */
    void follow(std::shared_ptr<dav::operation_progress> progress) { content_.progress = std::move(progress); }

    /** The connection closes: nothing more is written, and done is not called. */
    void cancel() {
        schedule_.cancel();
        timer_.cancel();
        done_ = nullptr;
        life_.reset();
    }

    /** A 1xx is being written: the connection writes nothing else meanwhile. */
    bool writing() const { return writing_; }

private:
    void apply(interim_schedule::step s) {
        using action = interim_schedule::action;
        switch (s.what) {
        case action::nothing: return;
        case action::arm_timer:
            timer_.expires_at(s.at);
            timer_.async_wait([this, life = life_](boost::system::error_code ec) {
                if (ec || !done_) return;
                contained([this] { apply(schedule_.timer_fired(clock::now())); });
            });
            return;
        case action::write_interim: return write(s.status);
        case action::write_final: timer_.cancel(); return finish(true);
        case action::close: return finish(false);
        }
    }

    http::response<http::empty_body> message(unsigned status) {
        if (status == 103) return early_hints_message();
        if (status == 100) return {http::status::continue_, 11};
        if (status != 102) return content_.other ? content_.other() : interim_status_message(status);
        if (content_.synthetic_item) content_.progress->item_done(200, *content_.synthetic_item, false);
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - content_.started);
        return processing_message(content_.progress->take(), content_.base, elapsed);
    }

    void write(unsigned status) {
        auto res = std::make_shared<http::response<http::empty_body>>(message(status));
        writing_ = true;
        auto& lowest = beast::get_lowest_layer(stream_);
        lowest.expires_after(write_timeout_);
        http::async_write(stream_, *res, [this, res, life = life_](boost::system::error_code ec, std::size_t) {
            writing_ = false;
            if (!done_) return; // closed meanwhile
            contained([&] {
                if (content_.deadline_after)
                    beast::get_lowest_layer(stream_).expires_after(content_.deadline_after());
                else
                    beast::get_lowest_layer(stream_).expires_never();
                if (!ec) {
                    auto t = std::chrono::duration<double>(clock::now() - content_.started).count();
                    content_.record->push_back({t, res->result_int()});
                } else {
                    log::info(content_.who + ": writing a " + std::to_string(res->result_int()) + " failed (" + ec.message() +
                              "); stopping the operation");
                }
                apply(schedule_.interim_written(!ec, clock::now()));
            });
        });
    }

    /** An exception while sending 1xx (memory, a bug) ends the wait as a failed write would: the owner closes. */
    template <class Step>
    void contained(Step step) {
        try {
            step();
        } catch (const std::exception& e) {
            log::error(content_.who + ": sending a 1xx failed (" + e.what() + "); closing this connection");
            finish(false);
        }
    }

    void finish(bool final_due) {
        auto done = std::exchange(done_, nullptr);
        life_.reset();
        if (done) done(final_due);
    }

    Stream& stream_;
    net::steady_timer timer_;
    interim_schedule schedule_;
    content content_;
    clock::duration write_timeout_{};
    std::shared_ptr<void> life_;
    std::function<void(bool)> done_;
    bool writing_ = false;
};

} // namespace keepdav::server
