#include "log.hpp"
#include "fs/open_file_cache.hpp"
#include "fs/tree_ops.hpp"
#include "server/descriptor_budget.hpp"
#include "server/listener.hpp"
#include "server/tls_send_path.hpp"
#include "server/metrics_endpoint.hpp"
#include "server/session.hpp"
#include "server/shared_state.hpp"

#include <keepdav/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <boost/asio/executor_work_guard.hpp>

#include <stdexcept>

#include <sys/resource.h>
#include <thread>

namespace keepdav {

namespace {

/** How often each I/O thread closes the files its open-file cache no longer needs. */
constexpr auto file_cache_sweep_interval = std::chrono::milliseconds(250);

/** Runs the calling I/O thread's open-file cache expiry every file_cache_sweep_interval. */
void sweep_file_cache(net::steady_timer& timer) {
    timer.expires_after(file_cache_sweep_interval);
    timer.async_wait([&timer](boost::system::error_code ec) {
        if (ec) return;
        fs::open_file_cache::for_this_thread().expire();
        sweep_file_cache(timer);
    });
}

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

} // namespace

struct instance::impl {
    explicit impl(server_config c) : config(std::move(c)) {}

    server_config config;
    std::unique_ptr<server::shared_state> state; // outlives the io_context: sessions deregister into it
    std::unique_ptr<net::ssl::context> tls; ///< null: plain HTTP
    // One context per I/O thread, each run by that thread alone (the nginx and lighttpd model): no
    // strands, no locks shared between threads, no wake-ups of one thread by another.
    std::vector<std::unique_ptr<net::io_context>> contexts;
    // Keep the I/O threads running while the only work left is an operation on the file system pool,
    // whose completion must still be delivered to its connection.
    std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::unique_ptr<net::steady_timer>> cache_sweepers; ///< one per context
    std::vector<std::shared_ptr<server::listener>> listeners;
    std::shared_ptr<server::metrics_endpoint> metrics; ///< null without --metrics-listen
    std::vector<std::thread> threads;
    bool running = false;
    std::stop_source sweep; ///< stops the start-up sweep for leftovers at shutdown
};

instance::instance(server_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

instance::~instance() { stop(); }

void instance::start() {
    auto& im = *impl_;
    auto tree = fs::tree::open_root(im.config.root);
    if (!tree) throw std::runtime_error("cannot serve " + im.config.root.string() + ": " + tree.error().message());
    auto root_info = fs::stat_fd(tree->root_fd());
    if (!root_info || !root_info->is_directory())
        throw std::runtime_error("cannot serve " + im.config.root.string() + ": not a directory");
    unsigned io_threads = im.config.io_threads ? im.config.io_threads : cores();
    unsigned fs_threads = im.config.fs_threads ? im.config.fs_threads : std::max(4u, 4 * cores());
    if (im.config.max_connections == 0) {
        rlimit limit{};
        std::uint64_t nofile = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
        im.config.max_connections = server::default_max_connections(nofile, fs_threads);
        log::debug("descriptor limit " + std::to_string(nofile) + ": at most " +
                   std::to_string(im.config.max_connections) + " connections at once");
    }
    auto lock_table = server::open_lock_table(im.config, tree->root_path());
    std::unique_ptr<server::transcript_log> transcript;
    if (!im.config.transcript.empty()) transcript = std::make_unique<server::transcript_log>(im.config.transcript);
    im.state = std::make_unique<server::shared_state>(im.config, std::move(*tree), fs_threads, std::move(lock_table),
                                                      std::move(transcript));
    if (!im.config.state_dir.empty()) {
        // Like the lock table, one store per served tree; none without a state directory.
        auto name = "uploads-" + std::to_string(std::hash<std::string>{}(im.state->tree.root_path().string()));
        im.state->uploads = std::make_unique<server::resumable_uploads>(im.config.state_dir / name, im.config.upload_expiry,
                                                                        im.config.max_put_bytes);
        if (auto n = im.state->uploads->store.sweep()) log::info(std::to_string(n) + " expired resumable uploads removed");
    }
    im.state->monitors.mirror_to(server::open_monitor_mirror(im.config));
    if (!im.config.access_log.empty()) im.state->access_log = std::make_unique<server::line_file>(im.config.access_log);
    if (!im.config.auth_file.empty() || !im.config.users.empty() || im.config.anonymous != access_level::none) {
        auto users = server::users_table::build(im.config, {&im.state->tree, im.state->locks.get(), nullptr});
        if (!users) throw std::runtime_error(users.error());
        im.state->users.store(std::move(*users));
    // Half the cores at most hash passwords, so a storm of guesses leaves the others to serve. Made
    // whatever the configuration says: a reload (SIGHUP) may bring the first users.
    im.state->logins = std::make_unique<server::password_checks>(
        [&state = *im.state](const std::string& user, const std::string& password) {
            auto users = state.users.load();
            return users ? users->check_password(user, password) : server::password_verdict::unknown_user;
        },
        im.config.max_login_failures, std::max(1u, cores() / 2));
    }
    if (!im.config.tls_cert.empty() || !im.config.tls_key.empty()) {
        if (im.config.tls_cert.empty() || im.config.tls_key.empty())
            throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
        im.tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
        // TLS 1.2 and later only; the server picks the cipher; no renegotiation (a client-started one
        // costs the server a handshake at the client's will, and a file body's batches of records
        // (server/tls_file_sender) are made with no handshake message in between).
        im.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                            net::ssl::context::single_dh_use);
        SSL_CTX_set_options(im.tls->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
        boost::system::error_code ec;
        im.tls->use_certificate_chain_file(im.config.tls_cert.string(), ec);
        if (ec) throw std::runtime_error("cannot use the certificate " + im.config.tls_cert.string() + ": " + ec.message());
        im.tls->use_private_key_file(im.config.tls_key.string(), net::ssl::context::pem, ec);
        if (ec) throw std::runtime_error("cannot use the key " + im.config.tls_key.string() + ": " + ec.message());
        log::info(server::tls_send_path_line(server::probe_kernel_tls()));
    }
    std::vector<net::io_context*> contexts;
    for (unsigned i = 0; i < io_threads; ++i) {
        im.contexts.push_back(std::make_unique<net::io_context>(1));
        im.work.push_back(net::make_work_guard(*im.contexts.back()));
        contexts.push_back(im.contexts.back().get());
        im.cache_sweepers.push_back(std::make_unique<net::steady_timer>(*im.contexts.back()));
        sweep_file_cache(*im.cache_sweepers.back());
    }
    if (im.config.listen.empty()) throw std::runtime_error("no listen address");
    for (const auto& address : im.config.listen) {
        if (!address.unix_path.empty() || address.inherited_fd >= 0) {
            im.listeners.push_back(std::make_shared<server::listener>(contexts, address, *im.state, im.tls.get()));
            continue;
        }
        boost::system::error_code ec;
        auto ip = net::ip::make_address(address.host, ec);
        if (ec) throw std::runtime_error("bad listen address " + address.host + ": " + ec.message());
        try {
            im.listeners.push_back(
                std::make_shared<server::listener>(contexts, tcp::endpoint(ip, address.port), *im.state, im.tls.get()));
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("cannot listen on " + address.host + ":" + std::to_string(address.port) + ": " +
                                     e.code().message());
        }
    }
    for (auto& l : im.listeners) l->start();
    if (const auto& m = im.config.metrics_listen) {
        boost::system::error_code ec;
        auto ip = net::ip::make_address(m->host, ec);
        if (ec) throw std::runtime_error("bad metrics address " + m->host + ": " + ec.message());
        try {
            im.metrics = std::make_shared<server::metrics_endpoint>(*contexts.front(), tcp::endpoint(ip, m->port),
                                                                    [state = im.state.get()] { return state->metrics_page(); });
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("cannot listen for metrics on " + m->host + ":" + std::to_string(m->port) + ": " +
                                     e.code().message());
        }
        im.metrics->start();
        auto ep = im.metrics->local_endpoint();
        auto host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
        log::info("metrics on " + host + ":" + std::to_string(ep.port()) + " (GET /metrics)");
    }
    // Crash leftovers (only where a file system has no O_TMPFILE) go in the background. On a tree
    // that other nodes serve too (a shared lock table says so), an hour old at least.
    auto min_age = std::chrono::seconds(im.config.lock_store.empty() ? 0 : 3600);
    net::post(im.state->fs_pool, [state = im.state.get(), stop = im.sweep.get_token(), min_age] {
        if (auto n = fs::remove_leftovers(state->tree, stop, min_age))
            log::info("removed " + std::to_string(n) + " temporary file(s) left by an earlier run");
    });
    for (auto* context : contexts)
        im.threads.emplace_back([ioc = context] {
            // Sessions contain what their handlers throw; this is the last line, for code outside
            // any session (a listener, a timer). The handler that threw is gone; the thread goes on.
            for (;;) {
                try {
                    ioc->run();
                    return;
                } catch (const std::exception& e) {
                    log::error(std::string("I/O thread: a handler threw (") + e.what() + "); going on");
                } catch (...) {
                    log::error("I/O thread: a handler threw an unknown exception; going on");
                }
            }
        });
    im.running = true;
}

std::string instance::reload_users(const server_config& fresh) {
    auto& state = *impl_->state;
    auto previous = state.users.load();
    if (fresh.auth_file.empty() && fresh.users.empty() && fresh.anonymous == access_level::none) {
        state.users.store(nullptr);
        state.logins->forget_remembered();
        return {};
    }
    auto users = server::users_table::build(fresh, {&state.tree, state.locks.get(), nullptr}, previous.get());
    if (!users) return users.error();
    state.users.store(std::move(*users));
    state.logins->forget_remembered(); // a changed or removed password must not go on working
    return {};
}

std::vector<listen_address> instance::endpoints() const {
    std::vector<listen_address> out;
    for (const auto& l : impl_->listeners) out.push_back(l->bound());
    return out;
}

void instance::stop() {
    auto& im = *impl_;
    if (!im.running) return;
    im.running = false;
    for (auto& l : im.listeners) l->stop();
    if (im.metrics) im.metrics->stop();
    for (auto& s : im.state->sessions()) server::close_when_idle(s);
    auto deadline = std::chrono::steady_clock::now() + im.config.shutdown_grace;
    if (!im.state->wait_until_empty(deadline)) {
        log::warning("grace period over: stopping the requests still running");
        for (auto& s : im.state->sessions()) server::abort_session(s);
        im.state->wait_until_empty(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    }
    // Asynchronous operations get the same grace; their monitors go with the process.
    if (!im.state->monitors.wait_until_idle(deadline)) {
        log::warning("grace period over: stopping " + std::to_string(im.state->monitors.running()) +
                     " asynchronous operation(s)");
        im.state->monitors.stop_all();
    }
    im.sweep.request_stop();
    im.state->fs_pool.join(); // operations see their stop token and return
    im.work.clear();
    for (auto& context : im.contexts) context->stop();
    for (auto& t : im.threads) t.join();
    // No I/O thread can start a check any more; a check's completion goes to a stopped context.
    if (im.state->logins) im.state->logins->stop();
    im.cache_sweepers.clear();
    im.threads.clear();
    im.listeners.clear();
    im.metrics.reset();
    im.contexts.clear(); // destroys what handlers were left, and with them their sessions
    im.state.reset();
}

} // namespace keepdav
