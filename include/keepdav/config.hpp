#pragma once
// Everything a keepdav server is told at start: what to serve, where, and how it behaves while long
// operations run. main() fills it from the command line; tests fill it directly.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keepdav {

/** Where connections come from: a TCP address, a unix socket's path, or a socket inherited (systemd). */
struct listen_address {
    std::string host;
    std::uint16_t port = 0; ///< 0: the system picks a free port
    /** Not empty: a unix stream socket at this path instead of host and port. */
    std::filesystem::path unix_path = {};
    unsigned unix_mode = 0660; ///< the socket file's permissions: who may connect
    /** At least 0: a listening socket handed over at start (socket activation), used as it is. */
    int inherited_fd = -1;
};

/** What a user may do under a path: nothing (it does not exist for them), read it, or change it too. */
enum class access_level { none, read, write };

/** One [[user]] of the configuration file (see README, "Users and permissions"). */
struct user_config {
    std::string name;
    /** htpasswd-style crypt hash (bcrypt or SHA-crypt); empty: no Basic login (a proxy's --auth-header only). */
    std::string password_hash;
    /** Their own directory, which they see as "/"; empty: the server's root. */
    std::filesystem::path root;
    /** What they may do where no rule says otherwise. */
    access_level access = access_level::write;
    /** Path prefixes under their root ("/shared") and what they may do there; the longest prefix wins. */
    std::vector<std::pair<std::string, access_level>> rules;
    int line = 0; ///< where the entry starts in the configuration file, for messages
};

/** User agents known to break on an unasked 102 (see README, "Clients and 102"). */
std::vector<std::string> default_no_processing_for();

struct server_config {
    std::filesystem::path root;
    std::vector<listen_address> listen;

    // --- 102 Processing ---------------------------------------------------------------------------
    bool processing_enabled = true;
    /** How long an operation runs before its first 102: quick operations never send one. */
    std::chrono::milliseconds processing_after{3000};
    /** The gap between 102s after the first. */
    std::chrono::milliseconds processing_interval{5000};
    /** ECMAScript regular expressions; a User-Agent matching any of them gets no 102. */
    std::vector<std::string> no_processing_for = default_no_processing_for();
    /** The most 1xx one request gets, whoever asks (0: no cap). */
    unsigned max_interim = 0;
    /**
     * The most 1xx a request gets that came through a proxy keepdav cannot identify (see
     * server/interim_policy.hpp): 4 keeps Apache (10th is a 502) and Caddy (Go: 6th) whole.
     * -1: the periodic stream (HAProxy, lighttpd, Squid relay any number).
     */
    int proxy_interims = 4;
    /**
     * Addresses (CIDR) of the reverse proxies in front of keepdav: a request from one is known to be
     * proxied, even when the proxy adds no header that says so (nginx, HAProxy by default).
     */
    std::vector<std::string> trusted_proxies;
    /**
     * The URL clients use (`https://dav.example.com`), for a proxy that forwards nothing that tells:
     * Destination is checked against it and Status-URI names it. Empty: from the request.
     */
    std::string public_url;
    /**
     * The path the share lives under (--prefix, normalised: "/dav", "" for none), for a reverse proxy
     * that routes by path: requests outside it are 404, and every URL keepdav writes is under it.
     */
    std::string path_prefix;

    // --- threads ----------------------------------------------------------------------------------
    unsigned io_threads = 0; ///< 0: one per core
    unsigned fs_threads = 0; ///< 0: four per core, at least four (file system calls block)

    // --- limits and timeouts ----------------------------------------------------------------------
    std::uint32_t max_header_bytes = 16 * 1024;
    std::uint64_t max_xml_body_bytes = 1 << 20;
    std::uint64_t max_put_bytes = 0; ///< 0: no limit
    /** 0: derived from RLIMIT_NOFILE (see server/descriptor_budget.hpp), at most 10,000. */
    unsigned max_connections = 0;
    /** A request body slower than this over any 10 s is cut off (bytes per second). */
    std::uint64_t min_body_rate = 1024;
    /** RFC 4918 §9.1: PROPFIND Depth: infinity may be refused (403 DAV:propfind-finite-depth). */
    bool allow_propfind_infinity = true;
    /** PEM certificate chain and private key: when set, every listen address serves HTTPS only. */
    std::filesystem::path tls_cert;
    std::filesystem::path tls_key;
    /** An htpasswd file: when set, every request needs Basic credentials from it (else 401). */
    std::filesystem::path auth_file;
    std::string auth_realm = "keepdav";
    /** Failed logins allowed per client address per minute; beyond, 429 unchecked (0: no limit). */
    unsigned max_login_failures = 10;
    /** Where GET /metrics (Prometheus text format) is served; none: not served. */
    std::optional<listen_address> metrics_listen;
    /** The [[user]] entries of the configuration file: when any, every request is one user's (or 401). */
    std::vector<user_config> users;
    /** Requests without credentials act as user "anonymous" with this access to the root (none: 401). */
    access_level anonymous = access_level::none;
    /** A request header a --trusted-proxy names the user in (X-Forwarded-User); empty: none. */
    std::string auth_header;
    /** Every method that writes answers 403. */
    bool read_only = false;
    std::chrono::milliseconds header_timeout{30000};
    std::chrono::milliseconds body_timeout{60000}; ///< for each read of a request body: a stall, not a total
    std::chrono::milliseconds idle_timeout{60000};
    std::chrono::milliseconds write_timeout{60000};
    std::chrono::milliseconds shutdown_grace{30000};
    /** How long the monitor of an asynchronous operation (Prefer: respond-async) outlives it. */
    std::chrono::milliseconds monitor_keep{3600 * 1000};

    // --- file managers ---------------------------------------------------------------------------
    /**
     * macOS and Windows litter (._*, .DS_Store, Thumbs.db, desktop.ini, ...: dav/os_litter.hpp) is
     * kept out of the share: never listed, never stored; a PUT of it succeeds and is discarded.
     */
    bool hide_os_litter = false;

    // --- locks ------------------------------------------------------------------------------------
    /** Where the lock table is kept across restarts (outside the tree); empty: in memory only. */
    std::filesystem::path state_dir;
    /** Resumable uploads (kept in state_dir) untouched this long are forgotten. */
    std::chrono::seconds upload_expiry{24 * 3600};
    /**
     * Empty: the lock table is this node's own (state_dir). A postgresql:// URL: the table, and the
     * claims that make each write's checks and change one step, are shared with every node that names
     * the same database (several nodes behind a balancer; see README, "Several nodes").
     */
    std::string lock_store;
    /** Granted when a LOCK names no Timeout. */
    std::chrono::seconds default_lock_timeout{3600};
    /** The longest lock granted ("Infinite" included); zero: no cap. */
    std::chrono::seconds max_lock_timeout{7 * 24 * 3600};

    // --- for client developers ----------------------------------------------------------------------
    /** Honour the Keepdav-* request headers that hold requests and shape interim responses. */
    bool test_hooks = false;
    /** Append one JSON line per request (interim responses, final status, client_gone) here. */
    std::filesystem::path transcript;

    /** Access lines (Combined Log Format + 1xx count + seconds) go here; empty: to stderr with the log. */
    std::filesystem::path access_log;
    bool access_log_off = false;

    /** Where 207 bodies that outgrow memory are spooled (as unnamed files). */
    std::filesystem::path spool_dir = "/tmp";

    /**
     * Test seam: called by a long operation's worker before each resource it works on, with the
     * resource's path and the operation's stop token. A test can block here to make an operation
     * last exactly as long as it wants, or until the operation is told to stop.
     */
    std::function<void(std::string_view rel, std::stop_token stop)> before_entry_hook;
    /**
     * Test seam: called on the I/O thread with the request-target when a request header has been
     * read. A test throws from it to show that an exception is contained to its connection.
     */
    std::function<void(std::string_view target)> request_header_hook;
    /**
     * Test seam: called when a writing request's path claims are granted (locks/path_locks.hpp),
     * before its checks and its change, with its first claimed path; the request goes on when
     * `go_on` is called, from any thread. A test keeps one request inside its atomic step this way
     * while another on an overlapping path arrives and waits for the claims (with 102s). It must not
     * block: it runs on an I/O thread, or on the thread of the request that released the claims.
     */
    std::function<void(std::string_view rel, std::function<void()> go_on)> claims_held_hook;
};

} // namespace keepdav
