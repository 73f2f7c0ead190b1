#pragma once
// What the methods that work on a whole subtree (COPY, MOVE, DELETE, PROPFIND) share: the walk's
// controls wired to the operation that runs it, the reply that reports failed members, and the depth
// beyond which no request may create anything, since no walk would reach it.
#include "dav/handler.hpp"
#include "fs/walk.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace keepdav::dav {

/**
 * The walk controls of an operation: its stop token, its progress (each finished entry counted with
 * `done_status`, the status its Status-URI reports), and the test seam that may hold the worker.
 */
fs::walk_control make_walk_control(operation_context& op, const context& ctx, unsigned done_status);

/**
 * Measures the subtree `rel` that the operation is about to copy (`copied`: its bytes too) or remove,
 * and adds it to the totals its progress reports. The count walks the tree once more (README,
 * "What a 102 carries": its cost); a subtree that cannot be measured adds nothing.
 */
void add_to_totals(operation_context& op, const context& ctx, std::string_view rel, bool copied);

/**
 * The reply of a tree operation: `success` when nothing failed, otherwise a 207 that lists each
 * failed member with its status (RFC 4918 §9.6.1, §9.8.8), spooled so that a tree of many failures
 * stays in bounded memory.
 */
reply tree_operation_reply(http::status success, const std::vector<fs::member_failure>& failures,
                           const context& ctx, std::string_view what);

/**
 * A 403 for a request that would create `rel` deeper than fs::max_tree_depth, or nothing: what lies
 * deeper could be made but neither listed nor copied. 403 rather than 409, since no request of the
 * client's can resolve it (RFC 9110 §15.5.10 keeps 409 for conflicts the client can resolve and
 * resubmit; RFC 4918 §9.3.1 answers 403 where the server refuses to create at that location).
 */
std::optional<reply> refuse_too_deep(std::string_view rel);

} // namespace keepdav::dav
