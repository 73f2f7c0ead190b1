#include "dav/tree_operation.hpp"

#include "dav/spool.hpp"
#include "dav/status.hpp"
#include "dav/target.hpp"
#include "fs/measure.hpp"
#include "log.hpp"
#include "xml/multistatus_writer.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

fs::walk_control make_walk_control(operation_context& op, const context& ctx, unsigned done_status) {
    fs::walk_control control;
    control.stop = op.stop;
    if (ctx.config.before_entry_hook)
        control.before_entry = [hook = &ctx.config.before_entry_hook, stop = op.stop](std::string_view rel) {
            (*hook)(rel, stop);
        };
    auto* p = &op.progress;
    control.entry_done = [p, done_status](std::string_view rel, bool collection) {
        p->item_done(done_status, rel, collection);
    };
    control.bytes_done = [p](std::uint64_t n) { p->add_bytes(n); };
    return control;
}

void add_to_totals(operation_context& op, const context& ctx, std::string_view rel, bool copied) {
    auto started = std::chrono::steady_clock::now();
    auto size = fs::measure_tree(ctx.tree, rel, copied, op.stop);
    if (!size) return;
    op.progress.add_totals(size->items, size->bytes);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    log::debug("measured /" + std::string(rel) + ": " + std::to_string(size->items) + " items, " +
               std::to_string(size->bytes) + " bytes in " + std::to_string(ms) + " ms");
}

reply tree_operation_reply(http::status success, const std::vector<fs::member_failure>& failures,
                           const context& ctx, std::string_view what) {
    if (failures.empty()) return empty_reply(success);
    spool body(ctx.config.spool_dir.string());
    xml::multistatus_writer writer;
    writer.open();
    for (const auto& failure : failures) {
        auto status = status_logged(failure.error, path_role::destination, std::string(what) + " member /" + failure.rel);
        writer.response_status(href_for(failure.rel, false, ctx.config.path_prefix), status_line(status));
        if (writer.data().size() > 64 * 1024) {
            body.write(writer.data());
            writer.data().clear();
        }
    }
    writer.close();
    body.write(writer.data());
    return multistatus_reply(body);
}

std::optional<reply> refuse_too_deep(std::string_view rel) {
    if (fs::path_depth(rel) <= fs::max_tree_depth) return std::nullopt;
    return error_reply(http::status::forbidden,
                       "paths more than " + std::to_string(fs::max_tree_depth) + " segments deep are not supported");
}

} // namespace keepdav::dav
