#pragma once
// What dav::handle needs, on a temporary tree, as the server would hand it over; and a request run to
// its reply as the server runs it (PUT bodies, operations, streamed bodies), for the unit tests of dav/.
#include "dav/handler.hpp"
#include "locks/file_lock_store.hpp"
#include "support/drained_body.hpp"
#include "support/temp_tree.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/field.hpp>

#include <functional>
#include <initializer_list>
#include <stop_token>
#include <string>
#include <utility>

#include <unistd.h>

namespace keepdav::test {

namespace http = boost::beast::http;

/** A tree, a server configuration and a lock table, as the server would hand them to dav::handle. */
struct dav_fixture {
    temp_tree dir;
    server_config config = [this] {
        server_config c;
        c.root = dir.path();
        return c;
    }();
    fs::tree tree = fs::tree::open_root(dir.path()).value();
    locks::file_lock_store lock_table;
    dav::context ctx{tree, config, false, &lock_table};

    static dav::request make(http::verb method, const std::string& target,
                             std::initializer_list<std::pair<std::string, std::string>> headers) {
        dav::request req{method, target, 11};
        req.set(http::field::host, "h");
        for (const auto& [name, value] : headers) req.set(name, value);
        return req;
    }

    /**
     * Runs a request to its reply as the server does: the body of a PUT is not in the request but
     * written into the upload handle() answers, then committed by finish_put; an operation is run.
     */
    dav::reply run(http::verb method, const std::string& target, std::initializer_list<std::pair<std::string, std::string>> headers = {},
                   std::string body = {}) {
        auto req = make(method, target, headers);
        if (method != http::verb::put && method != http::verb::patch) req.body() = body;
        return complete(dav::handle(req, ctx), req, body, [] {});
    }

    /** A PUT whose body arrives while `meanwhile` changes the tree (as another client could). */
    dav::reply put_while(const std::string& target, std::initializer_list<std::pair<std::string, std::string>> headers,
                         const std::string& body, const std::function<void()>& meanwhile) {
        auto req = make(http::verb::put, target, headers);
        return complete(dav::handle(req, ctx), req, body, meanwhile);
    }

    dav::reply complete(dav::outcome result, const dav::request& req, const std::string& body,
                        const std::function<void()>& meanwhile) {
        if (auto* r = std::get_if<dav::reply>(&result)) return std::move(*r);
        if (auto* up = std::get_if<dav::upload>(&result)) {
            meanwhile();
            REQUIRE(::write(up->file->fd(), body.data(), body.size()) == static_cast<ssize_t>(body.size()));
            return complete(dav::finish_put(*up, req.base(), ctx), req, body, [] {});
        }
        auto& op = std::get<dav::operation>(result);
        std::stop_source stop;
        dav::operation_context oc{stop.get_token(), *op.progress};
        return op.run(oc);
    }

    static std::string body_of(const dav::reply& r) {
        if (auto* streamed = std::get_if<dav::streamed_body>(&r.body)) {
            auto drained = drain(*streamed);
            REQUIRE(drained.end == dav::body_pipe::state::finished);
            return drained.bytes;
        }
        if (auto* text = std::get_if<std::string>(&r.body)) return *text;
        if (auto* range = std::get_if<dav::file_range>(&r.body)) {
            std::string out(range->length, '\0');
            REQUIRE(::pread(range->file->get(), out.data(), out.size(), static_cast<off_t>(range->offset)) ==
                    static_cast<ssize_t>(out.size()));
            return out;
        }
        return {};
    }
};

} // namespace keepdav::test
