#pragma once
// The server's side of resumable uploads (draft-ietf-httpbis-resumable-upload-15): which requests
// are resumable, the upload resources' URLs (a namespace of their own that no listing shows, like the
// monitors'), one request per upload at a time (§4.6), and the 104 interim responses. The protocol's
// decisions are dav/resumable's; the session only streams the body into the file this hands it.
#include "dav/claims.hpp"
#include "dav/resumable.hpp"
#include "fs/upload_store.hpp"
#include "net.hpp"
#include "server/interim_schedule.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

namespace keepdav::server {

class session_base;

/** The first path segment of every upload resource: reserved, never a file. */
constexpr std::string_view upload_namespace = ".keepdav-uploads";

/** Whether a request is resumable-upload business: to an upload resource, or a PUT with Upload-Complete (§4.2). */
bool is_resumable(const dav::request_header& head, std::string_view prefix);

/** The upload id a request-target names, or nothing when it is not in the uploads' namespace. */
std::optional<std::string> upload_id_of(std::string_view target, std::string_view prefix = {});

/**
 * Which request uses which upload now. The draft (§4.6) recommends that a new request to an upload
 * ends the one still using it (whose client has given up on it): the holder's connection is closed,
 * and the newcomer waits until that is done.
 */
class upload_registry {
public:
    /** Held while a request uses an upload; the upload is free again when it is destroyed. */
    class lease;
    /** The upload for `holder`, or null when another request holds it (which is asked to stop). */
    std::shared_ptr<lease> take(const std::string& id, std::weak_ptr<session_base> holder);

private:
    void release(const std::string& id);
    std::mutex mutex_;
    std::map<std::string, std::weak_ptr<session_base>> held_;
};

/** The store, the registry and the limits: what the server shares for resumable uploads. */
struct resumable_uploads {
    resumable_uploads(const std::filesystem::path& dir, std::chrono::seconds expiry, std::uint64_t max_put_bytes)
        : store(dir, expiry), max_put_bytes(max_put_bytes) {}
    fs::upload_store store;
    upload_registry registry;
    std::uint64_t max_put_bytes;
};

/** One request that creates an upload or appends to one: the file its body goes into, and what follows. */
class resumable_request {
public:
    struct busy {}; ///< another request holds the upload; asked to stop, so try again shortly
    using start = std::variant<std::monostate, dav::reply, resumable_request, busy>;
    /**
     * What `head` is: not resumable (monostate: a plain request), answered at once, busy, or a body
     * to take. `base` is "scheme://host" and --prefix, for the upload resource's URL.
     */
    static start begin(const dav::request_header& head, const dav::context& ctx, resumable_uploads& uploads, std::string user,
                       std::string base, std::weak_ptr<session_base> holder);

    resumable_request(resumable_request&&) noexcept = default;
    resumable_request& operator=(resumable_request&&) noexcept = default;
    /** Whatever came of the body is flushed: the offset a later HEAD reports survives a crash (§4.1.1). */
    ~resumable_request();

    int fd() const { return data_.get(); }
    std::uint64_t body_limit() const { return plan_.body_limit; }
    /**
     * The interim responses it gets: 104s from the start, where `policy` allows any and the client
     * speaks our draft version; a 100 first when `head` waits for one (draft §5: a 104 does not replace it).
     */
    interim_schedule::settings interims(interim_schedule::settings policy, const dav::request_header& head) const;
    /**
     * A connection's 1xx content (interim_sender::content) made to carry this upload's 104s; it
     * refers to this object, which must outlive the 1xx of the body's read.
     */
    template <class Content>
    Content interim_content(Content c, std::chrono::steady_clock::duration body_timeout) {
        c.progress = std::make_shared<dav::operation_progress>();
        c.other = [this] { return interim(); };
        c.deadline_after = [this, body_timeout] { return read_time_left(body_timeout); };
        return c;
    }
    /** The 104 due now (draft §5): the first names the upload resource, the next ones the offset. */
    http::response<http::empty_body> interim();
    /**
     * How long the body read may still stall: `body_timeout` from the last time the upload grew. A
     * 104's write resets the stream's deadline, so this keeps a stalled client from being kept alive by them.
     */
    std::chrono::steady_clock::duration read_time_left(std::chrono::steady_clock::duration body_timeout);
    /**
     * What the request claims of the namespace (locks/path_locks): the upload's target, as the PUT
     * its commit is, so no other request's checks and change on that path come between the commit's.
     */
    std::vector<locks::path_claim> claims(bool tls, std::string_view host, std::string_view prefix) const;
    /** The body is in: the reply, or the commit (an operation). */
    dav::outcome finish(const dav::request_header& head, const dav::context& ctx);

private:
    resumable_request() = default;
    dav::resumable::upload_state state_now() const;
    dav::resumable::limits limits() const;
    resumable_uploads* uploads_ = nullptr;
    fs::upload_record record_;
    dav::resumable::plan plan_;
    fs::unique_fd data_;
    std::shared_ptr<upload_registry::lease> lease_;
    std::optional<std::string> location_; ///< creations: the upload resource
    bool speaks_draft_ = false;
    unsigned interims_sent_ = 0;
    std::uint64_t last_size_ = 0;
    std::chrono::steady_clock::time_point last_growth_ = std::chrono::steady_clock::now();
};

/** Tries `attempt` (giving a resumable_request::start) until it is not busy, every 50 ms for 2 s, then hands it to `done`. */
template <class Attempt, class Done>
void begin_when_free(const net::any_io_executor& ex, Attempt attempt, Done done, int tries = 40) {
    auto started = attempt();
    if (!std::holds_alternative<resumable_request::busy>(started) || tries == 0) return done(std::move(started));
    auto timer = std::make_shared<net::steady_timer>(ex, std::chrono::milliseconds(50));
    timer->async_wait([timer, ex, attempt = std::move(attempt), done = std::move(done), tries](boost::system::error_code) mutable {
        begin_when_free(ex, std::move(attempt), std::move(done), tries - 1);
    });
}

} // namespace keepdav::server
