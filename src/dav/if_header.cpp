#include "dav/if_header.hpp"

#include "dav/target.hpp"

#include <algorithm>

namespace keepdav::dav {

namespace {

class if_category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "keepdav.if"; }
    std::string message(int ev) const override {
        switch (static_cast<if_errc>(ev)) {
        case if_errc::empty: return "empty If header";
        case if_errc::syntax: return "not valid If header syntax (RFC 4918 §10.4.2)";
        case if_errc::mixed_tags: return "If header mixes tagged and untagged lists";
        case if_errc::too_long: return "If header has too many conditions";
        }
        return "unknown If header error";
    }
};

const boost::system::error_category& if_category() {
    static const if_category_impl category;
    return category;
}

/** A hostile header is bounded by the header size limit; this bounds the work per header too. */
constexpr std::size_t max_conditions = 1024;

class parser {
public:
    explicit parser(std::string_view text) : text_(text) {}

    boost::system::result<if_header> parse() {
        if_header h;
        std::size_t conditions = 0;
        skip_space();
        if (at_end()) return make_error_code(if_errc::empty);
        while (!at_end()) {
            if_resource_lists group;
            if (peek() == '<') {
                auto tag = bracketed('<', '>');
                if (!tag) return make_error_code(if_errc::syntax);
                group.tag = std::move(*tag);
                skip_space();
            }
            if (!h.groups.empty() && group.tag.has_value() != h.groups.front().tag.has_value())
                return make_error_code(if_errc::mixed_tags);
            // A Tagged-list has one or more Lists; untagged Lists are gathered into one group.
            while (!at_end() && peek() == '(') {
                auto list = parse_list(conditions);
                if (!list) return list.error();
                group.lists.push_back(std::move(*list));
                skip_space();
            }
            if (group.lists.empty()) return make_error_code(if_errc::syntax);
            if (!group.tag && !h.groups.empty())
                for (auto& l : group.lists) h.groups.front().lists.push_back(std::move(l));
            else
                h.groups.push_back(std::move(group));
        }
        return h;
    }

private:
    boost::system::result<if_list> parse_list(std::size_t& conditions) {
        ++pos_; // '('
        if_list list;
        for (;;) {
            skip_space();
            if (at_end()) return make_error_code(if_errc::syntax);
            if (peek() == ')') {
                ++pos_;
                break;
            }
            if_condition c;
            if (text_.substr(pos_).starts_with("Not") || text_.substr(pos_).starts_with("not")) {
                c.negated = true;
                pos_ += 3;
                skip_space();
            }
            if (at_end()) return make_error_code(if_errc::syntax);
            if (peek() == '<') {
                auto token = bracketed('<', '>');
                if (!token || token->empty()) return make_error_code(if_errc::syntax);
                c.type = if_condition::kind::state_token;
                c.value = std::move(*token);
            } else if (peek() == '[') {
                auto tag = bracketed('[', ']');
                if (!tag || !valid_entity_tag(*tag)) return make_error_code(if_errc::syntax);
                c.type = if_condition::kind::entity_tag;
                c.value = std::move(*tag);
            } else {
                return make_error_code(if_errc::syntax);
            }
            if (++conditions > max_conditions) return make_error_code(if_errc::too_long);
            list.conditions.push_back(std::move(c));
        }
        if (list.conditions.empty()) return make_error_code(if_errc::syntax);
        return list;
    }

    /** The text between `open` (at the cursor) and the next `close`, which may not contain spaces. */
    std::optional<std::string> bracketed(char open, char close) {
        if (at_end() || peek() != open) return std::nullopt;
        auto end = text_.find(close, pos_ + 1);
        if (end == std::string_view::npos) return std::nullopt;
        std::string inside(text_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
        if (inside.find_first_of(" \t<>") != std::string::npos && open == '<') return std::nullopt;
        return inside;
    }

    static bool valid_entity_tag(std::string_view tag) {
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        return tag.size() >= 2 && tag.front() == '"' && tag.back() == '"' &&
               tag.substr(1, tag.size() - 2).find('"') == std::string_view::npos;
    }

    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n')) ++pos_;
    }
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    std::string_view text_;
    std::size_t pos_ = 0;
};

bool condition_holds(const if_condition& c, const resource_state& state) {
    bool matched;
    if (c.type == if_condition::kind::state_token) {
        matched = std::find(state.lock_tokens.begin(), state.lock_tokens.end(), c.value) != state.lock_tokens.end();
    } else {
        // RFC 4918 §10.4.4: entity tags in If use the strong comparison; a weak tag never matches.
        matched = state.etag && !c.value.starts_with("W/") && !state.etag->starts_with("W/") && *state.etag == c.value;
    }
    return matched != c.negated;
}

} // namespace

boost::system::error_code make_error_code(if_errc e) { return {static_cast<int>(e), if_category()}; }

boost::system::result<if_header> parse_if_header(std::string_view value) { return parser(value).parse(); }

bool evaluate_if_header(const if_header& h, std::string_view request_path, std::string_view host, bool tls,
                        const std::function<resource_state(std::string_view path)>& state_of) {
    for (const auto& group : h.groups) {
        std::string path(request_path);
        if (group.tag) {
            auto resolved = parse_destination(*group.tag, host, tls);
            if (!resolved) continue; // another server's resource, or not a URL: none of its lists hold
            path = resolved->rel;
        }
        auto state = state_of(path);
        for (const auto& list : group.lists)
            if (std::all_of(list.conditions.begin(), list.conditions.end(),
                            [&](const if_condition& c) { return condition_holds(c, state); }))
                return true;
    }
    return false;
}

std::vector<std::string> submitted_tokens(const if_header& h) {
    std::vector<std::string> out;
    for (const auto& group : h.groups)
        for (const auto& list : group.lists)
            for (const auto& c : list.conditions)
                if (c.type == if_condition::kind::state_token && c.value != "DAV:no-lock") out.push_back(c.value);
    return out;
}

} // namespace keepdav::dav
