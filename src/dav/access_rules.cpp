#include "dav/access_rules.hpp"

#include <algorithm>

namespace keepdav::dav {

namespace {

/** Whether `prefix` names `rel` or an ancestor of it, by whole segments ("" is everyone's). */
bool within(std::string_view prefix, std::string_view rel) {
    if (prefix.empty()) return true;
    if (!rel.starts_with(prefix)) return false;
    return rel.size() == prefix.size() || rel[prefix.size()] == '/';
}

} // namespace

access_rules::access_rules(access_level base, std::vector<std::pair<std::string, access_level>> rules)
    : base_(base), rules_(std::move(rules)) {
    unrestricted_ = base_ == access_level::write &&
                    std::all_of(rules_.begin(), rules_.end(), [](const auto& r) { return r.second == access_level::write; });
}

access_level access_rules::at(std::string_view rel) const {
    const std::pair<std::string, access_level>* best = nullptr;
    for (const auto& rule : rules_)
        if (within(rule.first, rel) && (!best || rule.first.size() > best->first.size())) best = &rule;
    return best ? best->second : base_;
}

access_level access_rules::lowest_within(std::string_view rel) const {
    auto lowest = at(rel);
    for (const auto& rule : rules_)
        if (rule.first.size() > rel.size() && within(rel, rule.first)) lowest = std::min(lowest, rule.second);
    return lowest;
}

access_level needed_level(http::verb method) {
    switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::propfind: return access_level::read;
    default: return access_level::write;
    }
}

access_decision decide(const access_rules& rules, std::string_view rel, access_level needed, bool tree) {
    if (rules.unrestricted()) return access_decision::allowed;
    auto here = rules.at(rel);
    if (here == access_level::none) return access_decision::not_found;
    if (here < needed) return access_decision::forbidden;
    if (tree && rules.lowest_within(rel) < needed) return access_decision::forbidden;
    return access_decision::allowed;
}

} // namespace keepdav::dav
