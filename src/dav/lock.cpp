#include "dav/if_header.hpp"
#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "dav/properties.hpp"
#include "fs/atomic_write.hpp"
#include "fs/tree_ops.hpp"
#include "http/text.hpp"
#include "locks/lock_store.hpp"
#include "xml/multistatus_writer.hpp"
#include "xml/request_bodies.hpp"

#include <boost/beast/http/field.hpp>

#include <charconv>

namespace keepdav::dav {

namespace {

/**
 * RFC 4918 §10.7: "Infinite" or "Second-N", possibly a list: the first we understand wins, capped by
 * the server's maximum. Absent or unusable: the server's default.
 */
std::chrono::seconds granted_timeout(std::string_view header, const server_config& config) {
    std::chrono::seconds wanted = config.default_lock_timeout;
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        item = http_util::trim_ows(item);
        if (item == "Infinite") {
            wanted = std::chrono::seconds(0);
            break;
        }
        if (item.starts_with("Second-")) {
            std::uint64_t n = 0;
            auto digits = item.substr(7);
            auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (ec == std::errc() && end == digits.data() + digits.size() && n > 0) {
                wanted = std::chrono::seconds(std::min<std::uint64_t>(n, 0xffffffffu));
                break;
            }
        }
    }
    auto cap = config.max_lock_timeout;
    if (cap.count() > 0 && (wanted.count() == 0 || wanted > cap)) return cap;
    return wanted;
}

/**
 * The request's header as a refresh reads it. Some clients (the npm `webdav` package) send the
 * token of the lock to refresh as `If: urn:uuid:…`, with neither the List's parentheses nor the
 * Coded-URL's brackets that RFC 4918 §10.4.2 requires. Refusing it with 400 would let their locks
 * expire, so for a refresh alone such a value is read as the List `(<urn:uuid:…>)` it stands for.
 * Everywhere else (PUT, DELETE, a LOCK with a body, ...) it stays a malformed If header: there it
 * guards a change, and guessing what a malformed condition meant is not safe.
 */
request_header refresh_header(const request_header& req) {
    auto value = req[http::field::if_];
    if (value.empty() || parse_if_header(value)) return req;
    auto token = parse_bare_state_token(value);
    if (!token) return req;
    request_header normalized = req;
    normalized.set(http::field::if_, "(<" + std::string(*token) + ">)");
    return normalized;
}

} // namespace

reply lock_reply(http::status status, const locks::lock& l, std::string_view prefix) {
    reply r;
    r.status = status;
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    r.fields.set(http::field::lock_token, "<" + l.token + ">");
    r.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" +
             activelock_xml(l, locks::clock::now(), prefix) + "</D:lockdiscovery></D:prop>\n";
    return r;
}

std::string activelock_xml(const locks::lock& l, locks::clock::time_point now, std::string_view prefix) {
    std::string out = "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>";
    out += l.exclusive ? "<D:exclusive/>" : "<D:shared/>";
    out += "</D:lockscope><D:depth>";
    out += l.infinite ? "infinity" : "0";
    out += "</D:depth>";
    xml::append_xml_characters(out, l.owner_xml); // kept in the lock table's file, which may be edited
    out += "<D:timeout>";
    if (l.expires == locks::clock::time_point::max()) {
        out += "Infinite";
    } else {
        auto left = std::chrono::duration_cast<std::chrono::seconds>(l.expires - now).count();
        out += "Second-" + std::to_string(std::max<long long>(left, 0));
    }
    out += "</D:timeout><D:locktoken><D:href>";
    xml::append_escaped(out, l.token);
    out += "</D:href></D:locktoken><D:lockroot><D:href>";
    xml::append_escaped(out, href_for(l.root, false, prefix));
    out += "</D:href></D:lockroot></D:activelock>";
    return out;
}

outcome handle_lock(const request& req, const context& ctx, const resource_path& path) {
    std::string what = "LOCK /" + path.rel;
    if (!ctx.locks) return error_reply(http::status::method_not_allowed, "locking is not enabled");
    auto timeout = granted_timeout(req[http::field::timeout], ctx.config);
    auto now = locks::clock::now();

    if (req.body().find_first_not_of(" \t\r\n") == std::string::npos) {
        // RFC 4918 §9.10.2: a LOCK without a body refreshes the lock named in the If header.
        auto refresh = refresh_header(req.base());
        if (auto refused = check_preconditions(refresh, ctx, path.rel, {})) return std::move(*refused);
        for (const auto& token : submitted_lock_tokens(refresh)) {
            auto l = ctx.locks->find(token, now);
            if (!l || !l->covers(path.rel)) continue;
            if (auto refreshed = ctx.locks->refresh(token, timeout, now)) {
                auto r = lock_reply(http::status::ok, *refreshed, ctx.config.path_prefix);
                r.fields.erase(http::field::lock_token); // only a new lock announces its token
                return r;
            }
        }
        return condition_reply(http::status::precondition_failed, "lock-token-matches-request-uri", {});
    }

    auto depth = parse_depth(req[http::field::depth], req.count(http::field::depth), depth::infinity);
    if (!depth || *depth == depth::one) return error_reply(http::status::bad_request, "LOCK takes Depth: 0 or infinity");
    auto body = xml::parse_lockinfo(req.body());
    if (!body) return error_reply(http::status::bad_request, body.error().message);

    bool created = false;
    auto parent = path.rel.empty() ? fs::result<fs::parent_ref>(fs::make_error(EEXIST)) : ctx.tree.open_parent(path.rel);
    if (!ctx.tree.stat(path.rel)) {
        // RFC 4918 §7.3: locking an unmapped URL creates an empty resource.
        if (auto refused = check_preconditions(req.base(), ctx, path.rel, {{path.rel, false, true}})) return std::move(*refused);
        if (!parent) return error_reply(status_logged(parent.error(), path_role::parent, what));
        auto file = fs::pending_file::create(parent->dir.get(), parent->leaf);
        if (!file) return error_reply(status_logged(file.error(), path_role::parent, what));
        if (auto ec = file->commit(false)) return error_reply(status_logged(ec, path_role::parent, what));
        created = true;
    } else if (auto refused = check_preconditions(req.base(), ctx, path.rel, {})) {
        return std::move(*refused);
    }

    auto grant = ctx.locks->acquire({path.rel, *depth == depth::infinity, body->exclusive, body->owner_xml, timeout}, now);
    if (!grant.granted) {
        if (created && parent) fs::remove_file(*parent); // the empty resource this LOCK made goes with it
        return condition_reply(http::status::locked, "no-conflicting-lock", {href_for(grant.conflict->root, false, ctx.config.path_prefix)});
    }
    return lock_reply(created ? http::status::created : http::status::ok, *grant.granted, ctx.config.path_prefix);
}

outcome handle_unlock(const request& req, const context& ctx, const resource_path& path) {
    if (!ctx.locks) return error_reply(http::status::method_not_allowed, "locking is not enabled");
    std::string_view token = http_util::trim_ows(req[http::field::lock_token]);
    if (token.size() >= 2 && token.front() == '<' && token.back() == '>') {
        token = token.substr(1, token.size() - 2); // RFC 4918 §10.5: Lock-Token = Coded-URL
    } else if (auto bare = parse_bare_state_token(token)) {
        // The npm `webdav` client (and reportedly Windows' redirector) sends the token without its
        // brackets. Refusing it with 400 would leave the lock in place until it times out; read as
        // the token it plainly is, it still has to name a lock on the Request-URI below.
        token = *bare;
    } else {
        return error_reply(http::status::bad_request, "UNLOCK needs a Lock-Token header: <token>");
    }
    auto l = ctx.locks->find(token, locks::clock::now());
    // RFC 4918 §9.11.1: the token must name a lock on the Request-URI.
    if (!l || !l->covers(path.rel))
        return condition_reply(http::status::conflict, "lock-token-matches-request-uri", {});
    ctx.locks->release(token);
    return empty_reply(http::status::no_content);
}

} // namespace keepdav::dav
