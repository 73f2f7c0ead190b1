#include "server/body_streamer.hpp"

#include "log.hpp"

namespace keepdav::server::detail {

namespace {

/** Fails the pipe when the job holding it goes, unless the producer ended the body itself. */
struct ends_body {
    explicit ends_body(std::shared_ptr<dav::body_pipe> p) : pipe(std::move(p)) {}
    ends_body(const ends_body&) = delete;
    ends_body& operator=(const ends_body&) = delete;
    ~ends_body() { pipe->fail(); }
    std::shared_ptr<dav::body_pipe> pipe;
};

} // namespace

void start_producer(net::thread_pool& pool, dav::streamed_body body, std::stop_token stop) {
    auto guard = std::make_shared<ends_body>(body.pipe);
    net::post(pool, [produce = std::move(body.produce), guard = std::move(guard), stop]() {
        try {
            produce(*guard->pipe, stop);
        } catch (const std::exception& e) {
            log::error(std::string("producing a streamed body failed: ") + e.what());
        } catch (...) {
            log::error("producing a streamed body failed: unknown exception");
        }
    });
}

} // namespace keepdav::server::detail
