#pragma once
// --test-hooks: the two timers of a held request — when it is carried out (Keepdav-Delay, or long
// enough for Keepdav-Interim-Count 1xx), and when the connection is dropped mid-wait
// (Keepdav-Close-After). The owner's 1xx go on meanwhile, shaped by shape_interims.
#include "net.hpp"
#include "server/test_hooks.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace keepdav::server {

class request_hold {
public:
    explicit request_hold(const net::any_io_executor& ex) : release_timer_(ex), drop_timer_(ex) {}

    /** `release()` when the hold ends; `drop()` at Keepdav-Close-After, if the request asked for it. */
    template <class Release, class Drop>
    void start(const test_hooks& hooks, const interim_schedule::settings& interims, Release release, Drop drop) {
        using duration = test_hooks::duration;
        if (hooks.close_after) {
            drop_timer_.expires_after(*hooks.close_after);
            drop_timer_.async_wait([drop = std::move(drop)](boost::system::error_code ec) mutable {
                if (!ec) drop();
            });
        }
        release_timer_.expires_after(hold_time(hooks, std::chrono::duration_cast<duration>(interims.after),
                                               std::chrono::duration_cast<duration>(interims.interval)));
        release_timer_.async_wait([release = std::move(release)](boost::system::error_code ec) mutable {
            if (!ec) release();
        });
    }

    /** The request was answered: a drop is due no more. */
    void answered() { drop_timer_.cancel(); }

    void cancel() {
        release_timer_.cancel();
        drop_timer_.cancel();
    }

private:
    net::steady_timer release_timer_;
    net::steady_timer drop_timer_;
};

} // namespace keepdav::server
