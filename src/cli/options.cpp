#include "cli/options.hpp"

#include "server/request_origin.hpp"
#include "server/trusted_proxies.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <unistd.h>

namespace keepdav::cli {

namespace {

std::chrono::milliseconds seconds_option(double value, const char* name) {
    if (!std::isfinite(value) || value < 0 || value > 86400)
        throw po::error(std::string("--") + name + " must be a number of seconds from 0 to 86400");
    return std::chrono::milliseconds(static_cast<long long>(std::llround(value * 1000)));
}

listen_address parse_listen(const std::string& text, const std::string& option = "--listen") {
    if (text.starts_with("unix:")) {
        listen_address unix_socket;
        unix_socket.unix_path = text.substr(5);
        // sockaddr_un holds 108 bytes, its terminating NUL included.
        if (unix_socket.unix_path.empty() || unix_socket.unix_path.native().size() > 107)
            throw po::error(option + " unix:PATH wants a path of 1 to 107 bytes (got \"" + text + "\")");
        return unix_socket;
    }
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw po::error(option + " wants HOST:PORT, e.g. 127.0.0.1:8080 (got \"" + text + "\")");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string port = text.substr(colon + 1);
    char* end = nullptr;
    long value = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != 0 || value < 0 || value > 65535)
        throw po::error("--listen: port must be 0-65535 (got \"" + port + "\")");
    return {host, static_cast<std::uint16_t>(value)};
}

std::string default_state_dir() {
    if (::geteuid() == 0) return "/var/lib/keepdav";
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/keepdav";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/state/keepdav";
    return "none";
}

} // namespace

option_set::option_set()
    : settings("Settings (each is also a key of the --config file, spelt as the long option)"),
      command_only("Command line only"),
      all("keepdav — a WebDAV server that keeps long operations alive with 102 Processing\n\n"
          "Usage: keepdav --root DIR [--listen HOST:PORT]... [options]\n"
          "       keepdav --config FILE [options]\n"
          "       keepdav --check-config [--config FILE] [options]\n\nOptions") {
    auto& o = *this;
    command_only.add_options()
        ("help,h", "print this help and exit")
        ("config", po::value(&o.config_file)->value_name("FILE"),
         "read settings and [[user]] entries from this TOML file; options given on the command line win "
         "(see samples/keepdav.toml)")
        ("check-config", po::bool_switch(&o.check_config),
         "check the configuration (file and options), print it as TOML with secrets masked and exit 0, "
         "or print the errors and exit 2")
        ("version", po::bool_switch(&o.service.version), "print the version (and the Boost and OpenSSL used) and exit");
    settings.add_options()
        ("root", po::value(&o.root)->value_name("DIR"), "directory to serve (required)")
        ("listen", po::value(&o.listen)->value_name("HOST:PORT|unix:PATH"),
         "address to listen on, or a unix socket's path; repeat for several; port 0 picks a free port "
         "(default 127.0.0.1:8080, or the sockets systemd hands over). Each prints 'listening on HOST:PORT' "
         "(or 'listening on unix:PATH') once bound")
        ("processing-after", po::value(&o.after)->value_name("SECONDS")->default_value(3),
         "how long a long operation runs before its first 102 Processing (decimals allowed)")
        ("processing-interval", po::value(&o.interval)->value_name("SECONDS")->default_value(5),
         "seconds between 102 Processing responses after the first")
        ("no-processing", po::bool_switch(&o.no_processing), "never send 102 Processing")
        ("no-processing-for", po::value(&o.deny)->value_name("REGEX"),
         "send no 102 to user agents matching this ECMAScript regex; repeatable; replaces the default "
         "list (^python-requests/, ^Python-urllib/, ^Java/)")
        ("max-interim", po::value(&o.config.max_interim)->value_name("N")->default_value(0),
         "the most 1xx one request gets (0: no cap)")
        ("proxy-interims", po::value(&o.proxy_interims)->value_name("N|stream")->default_value("4"),
         "the most 1xx a request gets that came through a proxy keepdav cannot identify (one that adds "
         "Forwarded/X-Forwarded-* or Via, or a --trusted-proxy peer); 'stream' for no cap (HAProxy, lighttpd)")
        ("trusted-proxy", po::value(&o.config.trusted_proxies)->value_name("CIDR"),
         "address or network of a reverse proxy in front of keepdav; repeatable. Its Forwarded or "
         "X-Forwarded-Proto/-Host say the scheme and host the client used; nobody else's are believed")
        ("public-url", po::value(&o.config.public_url)->value_name("URL"),
         "the URL clients use (https://dav.example.com): Destination is checked against it, Status-URI names it")
        ("state-dir", po::value(&o.state_dir)->value_name("DIR"),
         "where the lock table and unfinished resumable uploads are kept across restarts; must be outside the root "
         "(default: /var/lib/keepdav as root, else $XDG_STATE_HOME/keepdav or ~/.local/state/keepdav; "
         "'none' keeps locks in memory only and turns resumable uploads off)")
        ("upload-expiry", po::value(&o.upload_expiry)->value_name("SECONDS")->default_value(24 * 3600),
         "a resumable upload (kept in --state-dir) untouched this long is forgotten")
        ("max-lock-timeout", po::value(&o.max_lock)->value_name("SECONDS")->default_value(7 * 24 * 3600),
         "the longest lock granted, Infinite included (0: no cap)")
        ("test-hooks", po::bool_switch(&o.config.test_hooks),
         "honour the Keepdav-* request headers that hold a request and shape its interim responses "
         "(for testing HTTP clients; see README)")
        ("access-log", po::value(&o.access_log)->value_name("FILE"),
         "where access lines go (Combined Log Format, then interim=N time=S): a file, 'stderr' (the default) or 'off'")
        ("transcript", po::value(&o.transcript)->value_name("FILE"),
         "append one JSON line per request: interim responses with times, final status, client_gone")
        ("read-only", po::bool_switch(&o.config.read_only), "answer 403 to every method that writes")
        ("tls-cert", po::value(&o.tls_cert)->value_name("FILE"), "PEM certificate chain: serve HTTPS (with --tls-key)")
        ("tls-key", po::value(&o.tls_key)->value_name("FILE"), "PEM private key for --tls-cert")
        ("auth-file", po::value(&o.auth_file)->value_name("FILE"),
         "require HTTP Basic credentials from this htpasswd file (bcrypt: htpasswd -B; SHA-crypt: htpasswd -5)")
        ("auth-realm", po::value(&o.config.auth_realm)->value_name("TEXT")->default_value(o.config.auth_realm),
         "the realm named in WWW-Authenticate")
        ("anonymous", po::value(&o.anonymous)->value_name("off|read|write")->default_value("off"),
         "requests without credentials act as user 'anonymous' with this access to the server's root; "
         "a write asked anonymously gets 401, so that the client logs in")
        ("auth-header", po::value(&o.auth_header)->value_name("NAME"),
         "take the user from this request header (e.g. X-Forwarded-User) when the peer is a --trusted-proxy; "
         "it must name a [[user]] or --auth-file user (else 403); from other peers it is ignored")
        ("max-connections", po::value(&o.config.max_connections)->value_name("N")->default_value(o.config.max_connections),
         "connections at once; beyond, new ones get 503 and are closed (0: derived from the descriptor limit)")
        ("max-header-bytes", po::value(&o.config.max_header_bytes)->value_name("BYTES")->default_value(o.config.max_header_bytes),
         "largest request header (431 beyond)")
        ("max-xml-body", po::value(&o.config.max_xml_body_bytes)->value_name("BYTES")->default_value(o.config.max_xml_body_bytes),
         "largest XML request body: PROPFIND, PROPPATCH, LOCK (413 beyond)")
        ("max-put-size", po::value(&o.config.max_put_bytes)->value_name("BYTES")->default_value(0),
         "largest PUT body, and largest resumable upload, 0 for no limit (413 beyond)")
        ("min-body-rate", po::value(&o.config.min_body_rate)->value_name("BYTES/S")->default_value(o.config.min_body_rate),
         "a request body slower than this over any 10 s is cut off (408)")
        ("header-timeout", po::value(&o.header_timeout)->value_name("SECONDS")->default_value(30),
         "time to read a whole request header (a slow-header client is cut off)")
        ("body-timeout", po::value(&o.body_timeout)->value_name("SECONDS")->default_value(60),
         "longest stall while reading a request body")
        ("idle-timeout", po::value(&o.idle_timeout)->value_name("SECONDS")->default_value(60),
         "how long an idle keep-alive connection is kept")
        ("write-timeout", po::value(&o.write_timeout)->value_name("SECONDS")->default_value(60),
         "longest wait for a client to take more of a response (or a 102): a client reading slowly gets all of it, one that stops is cut off")
        ("no-propfind-infinity", po::bool_switch(&o.no_infinity),
         "refuse PROPFIND Depth: infinity with 403 DAV:propfind-finite-depth (RFC 4918 §9.1)")
        ("shutdown-grace", po::value(&o.grace)->value_name("SECONDS")->default_value(30),
         "on SIGINT/SIGTERM, how long running requests may take to finish")
        ("monitor-keep", po::value(&o.monitor_keep)->value_name("SECONDS")->default_value(3600),
         "how long the monitor of an asynchronous operation (Prefer: respond-async) outlives it")
        ("io-threads", po::value(&o.config.io_threads)->value_name("N"), "I/O threads (default: one per core)")
        ("fs-threads", po::value(&o.config.fs_threads)->value_name("N"),
         "file system worker threads for long operations (default: 4 per core, at least 4)")
        ("verbose,v", po::bool_switch(&o.verbose), "log debug lines too")
        // Logins and metrics
        ("max-login-failures", po::value(&o.config.max_login_failures)->value_name("N")->default_value(o.config.max_login_failures),
         "failed logins allowed per client address per minute; beyond, 429 Too Many Requests with "
         "Retry-After, the password unchecked (0: no limit)")
        ("metrics-listen", po::value(&o.metrics_listen)->value_name("HOST:PORT"),
         "serve Prometheus metrics at GET /metrics on this separate address (default: off)")
        // What file managers need
        ("hide-os-litter", po::bool_switch(&o.config.hide_os_litter),
         "keep macOS and Windows litter (._*, .DS_Store, .Trashes, .Spotlight-V100, .TemporaryItems, .fseventsd, "
         "Thumbs.db, desktop.ini) out of the share: never listed or served, a PUT or MKCOL of it succeeds "
         "without storing anything (default: off)");
    add_service_options(settings, o.service);
    add_cluster_options(settings, o.cluster);
    all.add(command_only).add(settings);
}

server_config to_config(option_set& o, const po::variables_map& vm) {
    auto& config = o.config;
    auto& root = o.root;
    auto& listen = o.listen;
    auto& after = o.after;
    auto& interval = o.interval;
    auto& grace = o.grace;
    auto& monitor_keep = o.monitor_keep;
    auto& max_lock = o.max_lock;
    auto& state_dir = o.state_dir;
    auto& no_processing = o.no_processing;
    auto& proxy_interims = o.proxy_interims;
    auto& transcript = o.transcript;
    auto& access_log = o.access_log;
    auto& no_infinity = o.no_infinity;
    auto& auth_file = o.auth_file;
    auto& tls_cert = o.tls_cert;
    auto& tls_key = o.tls_key;
    auto& header_timeout = o.header_timeout;
    auto& body_timeout = o.body_timeout;
    auto& idle_timeout = o.idle_timeout;
    auto& write_timeout = o.write_timeout;
    auto& deny = o.deny;
    if (root.empty()) throw po::error("--root DIR is required");
    config.root = root;
    // No --listen: main() adds systemd's sockets, or else 127.0.0.1:8080.
    for (const auto& l : listen) config.listen.push_back(parse_listen(l));
    apply_service_options(o.service, config);
    apply_cluster_options(o.cluster, config);
    if (config.max_login_failures > 1000000) throw po::error("--max-login-failures must be 0 to 1000000");
    if (!o.metrics_listen.empty()) {
        config.metrics_listen = parse_listen(o.metrics_listen, "--metrics-listen");
        if (!config.metrics_listen->unix_path.empty()) throw po::error("--metrics-listen takes HOST:PORT, not a unix socket");
    }
    config.processing_after = seconds_option(after, "processing-after");
    config.processing_interval = seconds_option(interval, "processing-interval");
    if (config.processing_interval.count() == 0) throw po::error("--processing-interval must be above 0");
    config.shutdown_grace = seconds_option(grace, "shutdown-grace");
    config.monitor_keep = seconds_option(monitor_keep, "monitor-keep");
    if (!(max_lock >= 0 && max_lock <= 1e9)) throw po::error("--max-lock-timeout must be 0 to 1e9 seconds");
    config.max_lock_timeout = std::chrono::seconds(static_cast<long long>(max_lock));
    // Resumable uploads: at least a second, at most a year (a longer one keeps abandoned bytes forever).
    if (!(o.upload_expiry >= 1 && o.upload_expiry <= 366 * 24 * 3600))
        throw po::error("--upload-expiry must be 1 to 31622400 seconds");
    config.upload_expiry = std::chrono::seconds(static_cast<long long>(o.upload_expiry));
    if (state_dir.empty()) state_dir = default_state_dir();
    if (state_dir != "none") {
        std::error_code ec;
        auto state = std::filesystem::weakly_canonical(state_dir, ec);
        auto root_path = std::filesystem::weakly_canonical(config.root, ec);
        auto rel = state.lexically_relative(root_path);
        if (!rel.empty() && *rel.begin() != "..")
            throw po::error("--state-dir " + state_dir + " is inside the served root: clients would see it");
        config.state_dir = state;
    }
    config.processing_enabled = !no_processing;
    if (proxy_interims == "stream") {
        config.proxy_interims = -1;
    } else {
        std::size_t used = 0;
        unsigned long n = 0;
        try {
            n = std::stoul(proxy_interims, &used);
        } catch (const std::exception&) {
        }
        if (used == 0 || used != proxy_interims.size() || n > 1000)
            throw po::error("--proxy-interims takes a number from 0 to 1000 or 'stream'");
        config.proxy_interims = static_cast<int>(n);
    }
    if (!config.public_url.empty() && !keepdav::server::parse_public_url(config.public_url))
        throw po::error("--public-url takes http(s)://host[:port], with no path: \"" + config.public_url + "\"");
    try {
        keepdav::server::trusted_proxies check(config.trusted_proxies);
    } catch (const std::invalid_argument& e) {
        throw po::error(std::string("--trusted-proxy: ") + e.what());
    }
    config.transcript = transcript;
    if (access_log == "off")
        config.access_log_off = true;
    else if (access_log != "stderr")
        config.access_log = access_log;
    config.allow_propfind_infinity = !no_infinity;
    config.auth_file = auth_file;
    if (o.anonymous == "read") config.anonymous = access_level::read;
    else if (o.anonymous == "write") config.anonymous = access_level::write;
    else if (o.anonymous != "off") throw po::error("--anonymous takes off, read or write");
    config.auth_header = o.auth_header;
    if (!config.auth_header.empty()) {
        if (config.trusted_proxies.empty()) throw po::error("--auth-header needs --trusted-proxy: only a proxy's header is believed");
        for (unsigned char c : config.auth_header)
            if (!std::isalnum(c) && c != '-' && c != '_') throw po::error("--auth-header takes a header name");
    }
    config.tls_cert = tls_cert;
    config.tls_key = tls_key;
    if (tls_cert.empty() != tls_key.empty()) throw po::error("--tls-cert and --tls-key go together");
    config.header_timeout = seconds_option(header_timeout, "header-timeout");
    config.body_timeout = seconds_option(body_timeout, "body-timeout");
    config.idle_timeout = seconds_option(idle_timeout, "idle-timeout");
    config.write_timeout = seconds_option(write_timeout, "write-timeout");
    for (auto t : {config.header_timeout, config.body_timeout, config.idle_timeout, config.write_timeout})
        if (t.count() == 0) throw po::error("timeouts must be above 0");
    if (config.max_header_bytes < 1024) throw po::error("--max-header-bytes must be at least 1024");
    // Beast keeps a field's offsets in 16 bits: no field may reach 64 KiB, so no header may.
    if (config.max_header_bytes > 65000) throw po::error("--max-header-bytes must be at most 65000");
    if (vm.count("no-processing-for")) {
        for (const auto& pattern : deny) {
            try {
                std::regex check(pattern, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                throw po::error("--no-processing-for: bad regular expression \"" + pattern + "\": " + e.what());
            }
        }
        config.no_processing_for = deny;
    }
    return config;
}

} // namespace keepdav::cli
