#include "dav/preconditions.hpp"

#include "dav/if_header.hpp"
#include "dav/target.hpp"
#include "http/date.hpp"
#include "http/etag.hpp"
#include "http/preconditions.hpp"
#include "locks/lock_store.hpp"
#include "xml/multistatus_writer.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <map>

namespace keepdav::dav {

namespace {

std::string parent_of(std::string_view rel) {
    auto slash = rel.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(rel.substr(0, slash));
}

bool any_submitted(const std::vector<locks::lock>& held, const std::vector<std::string>& submitted) {
    return std::any_of(held.begin(), held.end(), [&](const locks::lock& l) {
        return std::find(submitted.begin(), submitted.end(), l.token) != submitted.end();
    });
}

} // namespace

reply condition_reply(http::status status, std::string_view condition, const std::vector<std::string>& hrefs) {
    reply r;
    r.status = status;
    std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\"><D:";
    body.append(condition).append(">");
    for (const auto& href : hrefs) {
        body += "<D:href>";
        xml::append_escaped(body, href);
        body += "</D:href>";
    }
    body.append("</D:").append(condition).append("></D:error>\n");
    r.body = std::move(body);
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    return r;
}

std::vector<std::string> submitted_lock_tokens(const request_header& req) {
    auto value = req[http::field::if_];
    if (value.empty()) return {};
    auto parsed = parse_if_header(value);
    return parsed ? submitted_tokens(*parsed) : std::vector<std::string>{};
}

std::optional<reply> check_preconditions(const request_header& req, const context& ctx, std::string_view request_rel,
                                         std::initializer_list<write_scope> scopes) {
    auto now = locks::clock::now();
    // RFC 9110 §13: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.
    if (req.count(http::field::if_match) || req.count(http::field::if_none_match) ||
        req.count(http::field::if_modified_since) || req.count(http::field::if_unmodified_since)) {
        http_util::validators v;
        auto info = ctx.tree.stat(request_rel);
        if (info) v = {true, http_util::etag_for(info->inode, info->size, info->modified), info->modified.tv_sec};
        bool safe = req.method() == http::verb::get || req.method() == http::verb::head;
        switch (http_util::evaluate_preconditions(req, safe, v)) {
        case http_util::precondition::proceed: break;
        case http_util::precondition::failed:
            return error_reply(http::status::precondition_failed, "a conditional header does not hold");
        case http_util::precondition::not_modified: {
            auto r = empty_reply(http::status::not_modified);
            r.fields.set(http::field::etag, v.etag);
            r.fields.set(http::field::last_modified, http_util::format_http_date(v.last_modified));
            return r;
        }
        }
    }
    std::vector<std::string> submitted;
    if (auto value = req[http::field::if_]; !value.empty()) {
        auto parsed = parse_if_header(value);
        if (!parsed) return error_reply(http::status::bad_request, "If header: " + parsed.error().message());
        auto state_of = [&](std::string_view path) {
            resource_state state;
            if (ctx.locks)
                for (const auto& l : ctx.locks->covering(path, now)) state.lock_tokens.push_back(l.token);
            if (auto info = ctx.tree.stat(path)) state.etag = http_util::etag_for(info->inode, info->size, info->modified);
            return state;
        };
        if (!evaluate_if_header(*parsed, request_rel, host_of(req, ctx), ctx.tls, state_of, ctx.config.path_prefix))
            return error_reply(http::status::precondition_failed, "the If header's conditions are not met");
        submitted = submitted_tokens(*parsed);
    }
    if (!ctx.locks) return std::nullopt;
    std::vector<std::string> unsubmitted; // lock roots, as hrefs
    auto require = [&](const std::vector<locks::lock>& held) {
        if (!held.empty() && !any_submitted(held, submitted))
            unsubmitted.push_back(href_for(held.front().root, false, ctx.config.path_prefix));
    };
    for (const auto& scope : scopes) {
        require(ctx.locks->covering(scope.rel, now));
        if (scope.membership && !scope.rel.empty()) {
            // RFC 4918 §7.4: adding or removing a member changes the (even depth-0) locked collection.
            auto parent = parent_of(scope.rel);
            auto on_parent = ctx.locks->covering(parent, now);
            std::erase_if(on_parent, [&](const locks::lock& l) { return l.root != parent; });
            require(on_parent);
        }
        if (scope.members) {
            std::map<std::string, std::vector<locks::lock>> by_root;
            for (auto& l : ctx.locks->rooted_within(scope.rel, now))
                if (l.root != scope.rel) by_root[l.root].push_back(std::move(l));
            for (const auto& [_, held] : by_root) require(held);
        }
    }
    if (unsubmitted.empty()) return std::nullopt;
    std::sort(unsubmitted.begin(), unsubmitted.end());
    unsubmitted.erase(std::unique(unsubmitted.begin(), unsubmitted.end()), unsubmitted.end());
    return condition_reply(http::status::locked, "lock-token-submitted", unsubmitted);
}

} // namespace keepdav::dav
