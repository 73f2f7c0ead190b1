#include "dav/client_times.hpp"
#include "dav/methods.hpp"
#include "dav/preconditions.hpp"
#include "dav/properties.hpp"
#include "dav/spool.hpp"
#include "fs/tree_ops.hpp"
#include "xml/request_bodies.hpp"

#include <boost/beast/http/field.hpp>

#include <map>

namespace keepdav::dav {

namespace {

/** What became of one instruction: its status, and the RFC 4918 §16 condition that explains it, if any. */
struct update_result {
    http::status status = http::status::ok;
    std::string_view condition;
    auto operator<=>(const update_result&) const = default;
};

/** RFC 4918 §9.2: a protected property answers 403 with DAV:cannot-modify-protected-property (§16). */
constexpr update_result protected_property{http::status::forbidden, "cannot-modify-protected-property"};

/** The 207 of a PROPPATCH: each property with its own status (RFC 4918 §9.2.1). */
reply proppatch_reply(const context& ctx, std::string_view rel, bool collection,
                      const std::vector<xml::property_update>& updates, const std::vector<update_result>& results) {
    // One propstat per distinct outcome: a 403 for a protected property carries its condition, a 403
    // from the file system would not.
    std::map<update_result, std::vector<const xml::qname*>> by_result;
    for (std::size_t i = 0; i < updates.size(); ++i) by_result[results[i]].push_back(&updates[i].name);
    xml::multistatus_writer w;
    w.open();
    w.begin_response(href_for(rel, collection, ctx.config.path_prefix));
    for (const auto& [result, names] : by_result) {
        w.begin_propstat();
        for (auto* name : names) w.empty_property(*name);
        w.end_propstat(status_line(result.status), result.condition);
    }
    w.end_response();
    w.close();
    spool out(ctx.config.spool_dir.string());
    out.write(w.data());
    reply r;
    r.status = http::status::multi_status;
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    if (out.finish(r)) return error_reply(http::status::insufficient_storage, "cannot spool the response");
    return r;
}

} // namespace

outcome handle_proppatch(const request& req, const context& ctx, const resource_path& path) {
    std::string what = "PROPPATCH /" + path.rel;
    auto info = ctx.tree.stat(path.rel);
    if (!info) return error_reply(status_logged(info.error(), path_role::target, what));
    auto updates = xml::parse_propertyupdate(req.body());
    if (!updates) return error_reply(http::status::bad_request, updates.error().message);
    if (auto refused = check_preconditions(req.base(), ctx, path.rel, {{path.rel}})) return std::move(*refused);

    const update_result failed_dependency{http::status::failed_dependency, {}};
    std::vector<update_result> results(updates->size());
    bool refused_any = false;
    for (std::size_t i = 0; i < updates->size(); ++i) {
        auto* live = find_live_property((*updates)[i].name);
        if (live && !live->writable) {
            results[i] = protected_property;
            refused_any = true;
        }
    }
    // Windows' redirector sets a file's times as properties: they go to the file itself, not to a
    // dead property that would go stale at the next write (MS-WDV; IIS answers them 200 likewise).
    fs::entry_times times;
    std::vector<bool> applied_to_file(updates->size(), false);
    for (std::size_t i = 0; i < updates->size(); ++i) {
        auto which = win32_property_of((*updates)[i].name);
        if (which != win32_property::last_modified_time && which != win32_property::last_access_time) continue;
        applied_to_file[i] = true;
        if ((*updates)[i].op == xml::property_update::kind::remove) continue; // a time cannot be removed: kept
        auto when = win32_time_value((*updates)[i].value_xml);
        if (!when) {
            // RFC 4918 §9.2: a value the server cannot accept for the property is 409 Conflict.
            results[i] = {http::status::conflict, {}};
            refused_any = true;
            continue;
        }
        (which == win32_property::last_modified_time ? times.modified : times.accessed) = timespec{*when, 0};
    }
    // RFC 4918 §9.2: all or nothing; the rest answer 424 Failed Dependency.
    if (refused_any) {
        for (auto& r : results)
            if (r.status == http::status::ok) r = failed_dependency;
        return proppatch_reply(ctx, path.rel, info->is_directory(), *updates, results);
    }

    fs::unique_fd holder;
    auto where = xattr_target_for(ctx, path.rel, holder);
    if (!where) return error_reply(status_logged(where.error(), path_role::target, what));
    // What each touched property held before, to put back if a later instruction fails.
    std::map<std::string, std::optional<std::string>> before;
    for (std::size_t i = 0; i < updates->size(); ++i) {
        const auto& u = (*updates)[i];
        if (applied_to_file[i]) continue;
        auto key = property_key(u.name);
        if (before.count(key)) continue;
        auto old = fs::read_property(*where, key);
        if (!old) return error_reply(status_logged(old.error(), path_role::target, what));
        before.emplace(key, std::move(*old));
    }
    auto put_back = [&] {
        for (const auto& [key, value] : before) {
            if (value)
                fs::write_property(*where, key, *value);
            else
                fs::remove_property(*where, key);
        }
    };
    for (std::size_t i = 0; i < updates->size(); ++i) {
        const auto& u = (*updates)[i];
        if (applied_to_file[i]) continue;
        auto ec = u.op == xml::property_update::kind::set ? fs::write_property(*where, property_key(u.name), u.value_xml)
                                                          : fs::remove_property(*where, property_key(u.name));
        if (!ec) continue;
        put_back();
        for (auto& r : results) r = failed_dependency;
        results[i].status = status_logged(ec, path_role::target, what + " " + property_key(u.name));
        return proppatch_reply(ctx, path.rel, info->is_directory(), *updates, results);
    }
    // Last, so that nothing is left to fail after the file's times changed.
    if (auto ec = fs::set_times(ctx.tree, path.rel, times)) {
        put_back();
        auto status = status_logged(ec, path_role::target, what + " (file times)");
        for (std::size_t i = 0; i < updates->size(); ++i)
            results[i] = applied_to_file[i] ? update_result{status, {}} : failed_dependency;
    }
    return proppatch_reply(ctx, path.rel, info->is_directory(), *updates, results);
}

} // namespace keepdav::dav
