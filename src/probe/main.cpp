// keepdav-probe: send one request and show every interim response, the final one, and the longest
// silence — what a client with a read timeout would have lived through.
#include <keepdav/probe.hpp>

#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace po = boost::program_options;
namespace probe = keepdav::probe;

namespace {

/**
 * --async: sends the request with Prefer: respond-async; a 202 names the monitor (Location), which is
 * polled until the operation ends, its progress line rewritten in place on a terminal. A server that
 * answers at once (a short operation, or a server without asynchronous operations) is reported as is.
 */
int follow_async(probe::request req, double poll_interval, bool json) {
    req.headers.push_back({"Prefer", "respond-async"});
    auto started = probe::run(req);
    auto location = started.final_response ? started.final_response->field("Location") : std::string();
    if (!started.final_response || started.final_response->status != 202 || location.empty()) {
        std::fputs(json ? (probe::to_json(started) + "\n").c_str() : probe::to_text(started).c_str(), stdout);
        if (started.timed_out) return 3;
        return started.final_response && started.error.empty() && started.final_response->status < 400 ? 0 : 1;
    }
    // Location may be a path (RFC 9110 §10.2.2 allows a relative reference).
    if (location.front() == '/') location = req.url.substr(0, req.url.find('/', req.url.find("//") + 2)) + location;
    bool terminal = ::isatty(STDERR_FILENO);
    if (!json) std::printf("%s: 202 Accepted, monitor %s\n", req.method.c_str(), location.c_str());
    probe::request poll;
    poll.url = location;
    poll.read_timeout = req.read_timeout;
    for (;;) {
        auto t = probe::run(poll);
        auto report = t.final_response && t.final_response->status == 200 ? probe::parse_operation_report(t.body) : std::nullopt;
        if (!report) {
            std::fprintf(stderr, "%skeepdav-probe: the monitor did not answer with a report: %s\n", terminal ? "\n" : "",
                         t.final_response ? std::to_string(t.final_response->status).c_str() : t.error.c_str());
            return t.timed_out ? 3 : 1;
        }
        auto line = probe::progress_line(*report);
        if (terminal) std::fprintf(stderr, "\r\033[K%s", line.c_str());
        else std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
        if (report->state != "running") {
            if (terminal) std::fputc('\n', stderr);
            if (json) std::printf("%s\n", t.body.c_str());
            else if (!report->multistatus.empty()) std::printf("--- members that failed ---\n%s\n", report->multistatus.c_str());
            return report->state == "done" ? 0 : 1;
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(poll_interval)); // the poll's pace
    }
}

} // namespace

int main(int argc, char** argv) {
    keepdav::probe::request req;
    std::vector<std::string> headers;
    std::string data, data_file;
    bool http10 = false, show_body = false, json = false, async = false;
    double poll_interval = 0.5;

    po::options_description options("keepdav-probe — one HTTP request, every interim response on the way\n\n"
                                    "Usage: keepdav-probe [options] URL\n\nExit status: 0 a final response arrived, "
                                    "3 the read timeout fired, 1 any other failure, 2 bad usage.\n\nOptions");
    options.add_options()
        ("help,h", "print this help and exit")
        ("method,X", po::value(&req.method)->value_name("METHOD")->default_value("GET"), "request method")
        ("header,H", po::value(&headers)->value_name("'Name: value'"), "request header; repeatable")
        ("data,d", po::value(&data)->value_name("TEXT"), "request body")
        ("data-file", po::value(&data_file)->value_name("FILE"), "request body from a file")
        ("read-timeout", po::value(&req.read_timeout)->value_name("SECONDS")->default_value(30),
         "give up when nothing arrives for this long")
        ("http1.0", po::bool_switch(&http10), "send HTTP/1.0 (a server must then send no 1xx)")
        ("body", po::bool_switch(&show_body), "print the final response's body (up to 1 MiB)")
        ("json", po::bool_switch(&json), "print one JSON object instead of text (for tests)")
        ("async", po::bool_switch(&async),
         "ask for an asynchronous operation (Prefer: respond-async) and follow its monitor to the end with a "
         "progress line; exit 0 when it is done, 1 when it failed or was cancelled")
        ("poll-interval", po::value(&poll_interval)->value_name("SECONDS")->default_value(0.5),
         "with --async, the time between two looks at the monitor")
        ("url", po::value(&req.url)->value_name("URL"), "the URL (also the positional argument)");
    po::positional_options_description positional;
    positional.add("url", 1);
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << options << "\n";
            return 0;
        }
        if (req.url.empty()) throw po::error("a URL is required");
        if (!(req.read_timeout > 0)) throw po::error("--read-timeout must be above 0");
        if (!(poll_interval > 0 && poll_interval <= 3600)) throw po::error("--poll-interval must be above 0 and at most 3600");
        for (const auto& h : headers) {
            auto colon = h.find(':');
            if (colon == std::string::npos || colon == 0) throw po::error("--header wants 'Name: value' (got \"" + h + "\")");
            auto value = h.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            req.headers.push_back({h.substr(0, colon), value});
        }
        if (!data_file.empty()) {
            std::ifstream in(data_file, std::ios::binary);
            if (!in) throw po::error("cannot read --data-file " + data_file);
            std::ostringstream all;
            all << in.rdbuf();
            data = all.str();
        }
        req.body = data;
        req.http_version = http10 ? 10 : 11;
    } catch (const po::error& e) {
        std::cerr << "keepdav-probe: " << e.what() << "\nTry 'keepdav-probe --help'.\n";
        return 2;
    }
    if (async) return follow_async(req, poll_interval, json);
    if (json) {
        auto t = keepdav::probe::run(req);
        std::printf("%s\n", keepdav::probe::to_json(t).c_str());
        if (t.timed_out) return 3;
        return t.final_response && t.error.empty() ? 0 : 1;
    }
    std::printf("> %s %s (read timeout %.3gs)\n", req.method.c_str(), req.url.c_str(), req.read_timeout);
    std::fflush(stdout);
    auto t = keepdav::probe::run(req, [](const keepdav::probe::response_event& e) {
        std::printf("+%.3fs %u %s\n", e.t, e.status, e.reason.c_str());
        for (const auto& h : e.headers) std::printf("    %s: %s\n", h.name.c_str(), h.value.c_str());
        std::fflush(stdout);
    });
    std::string text = keepdav::probe::to_text(t);
    // Interim lines were printed as they came; print the rest.
    keepdav::probe::transcript rest = t;
    rest.interim.clear();
    std::string summary = keepdav::probe::to_text(rest);
    auto pos = summary.find("interim responses:");
    if (pos != std::string::npos) summary.replace(pos, summary.find('\n', pos) - pos, "interim responses: " + std::to_string(t.interim.size()));
    std::fputs(summary.c_str(), stdout);
    if (show_body && !t.body.empty()) std::printf("--- body ---\n%s\n", t.body.c_str());
    if (t.timed_out) return 3;
    return t.final_response && t.error.empty() ? 0 : 1;
}
