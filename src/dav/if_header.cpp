#include "dav/if_header.hpp"

#include "dav/target.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace keepdav::dav {

namespace {

class if_category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "keepdav.if"; }
    std::string message(int ev) const override {
        switch (static_cast<if_errc>(ev)) {
        case if_errc::empty: return "empty If header";
        case if_errc::expected_list:
            return "expected a List \"(...)\" or a Resource-Tag \"<...>\" (RFC 4918 §10.4.2)";
        case if_errc::unterminated_list: return "a List in the If header has no closing ')'";
        case if_errc::empty_list: return "a List in the If header has no Condition";
        case if_errc::expected_condition:
            return "expected a state token \"<...>\" or an entity tag \"[...]\" in a List of the If header";
        case if_errc::bad_state_token: return "a state token in the If header is not an absolute URI";
        case if_errc::bad_entity_tag: return "an entity tag in the If header is malformed";
        case if_errc::bad_resource_tag:
            return "a Resource-Tag in the If header is neither an absolute URI nor an absolute path";
        case if_errc::mixed_tags: return "the If header mixes tagged and untagged lists (RFC 4918 §10.4.2)";
        case if_errc::too_long: return "the If header is too long or has too many conditions";
        }
        return "unknown If header error";
    }
};

/**
 * A byte of an opaque-tag: RFC 9110 §8.8.3 etagc (VCHAR except '"', plus obs-text), and also SP and HT,
 * which RFC 2616's quoted-string allowed and RFC 4918's own examples use (§10.4.6: ["I am an ETag"]).
 * A backslash is an ordinary byte, as in RFC 9110: there are no quoted-pairs.
 */
bool is_opaque_tag_byte(char c) {
    auto u = static_cast<unsigned char>(c);
    return u == ' ' || u == '\t' || u == 0x21 || (u >= 0x23 && u <= 0x7E) || u >= 0x80;
}

/** State-token = Coded-URL = "<" absolute-URI ">" (RFC 4918 §10.1). */
bool is_absolute_uri(std::string_view s) {
    return boost::urls::parse_absolute_uri(s).has_value();
}

/** Simple-ref = absolute-URI | ( path-absolute [ "?" query ] ) (RFC 4918 §8.3). */
bool is_simple_ref(std::string_view s) {
    if (s.starts_with('/'))
        return !s.starts_with("//") &&
               boost::urls::parse_origin_form(s).has_value(); // "//" would be an authority
    return is_absolute_uri(s);
}

/**
 * One pass, left to right, never looking back: each byte is examined a bounded number of times, so the
 * cost is linear in the header's length (the URI checks are linear in what they are given).
 */
class parser {
public:
    explicit parser(std::string_view text) : text_(text) {}

    boost::system::result<if_header> parse() {
        if (text_.size() > max_if_header_length) return make_error_code(if_errc::too_long);
        if_header h;
        skip_lws();
        if (at_end()) return make_error_code(if_errc::empty);
        while (!at_end()) {
            if_resource_lists group;
            if (peek() == '<') {
                // "No LWS allowed in Resource-Tag" (§10.4.2): the URI checks reject any.
                auto tag = coded();
                if (!tag || !is_simple_ref(*tag)) return make_error_code(if_errc::bad_resource_tag);
                group.tag = std::string(*tag);
                skip_lws();
            } else if (peek() != '(') {
                return make_error_code(if_errc::expected_list);
            }
            // The No-tag-list is only a shorthand for a Tagged-list naming the Request-URI, and the
            // two may not be mixed (§10.4.2).
            if (!h.groups.empty() && group.tag.has_value() != h.tagged())
                return make_error_code(if_errc::mixed_tags);
            // Tagged-list = Resource-Tag 1*List; the lists after a tag belong to it until the next tag.
            // Untagged, every List is read here in one go, so there is only ever one untagged group.
            while (!at_end() && peek() == '(') {
                auto list = parse_list();
                if (!list) return list.error();
                group.lists.push_back(std::move(*list));
                skip_lws();
            }
            if (group.lists.empty()) return make_error_code(if_errc::expected_list);
            h.groups.push_back(std::move(group));
        }
        return h;
    }

private:
    /** List = "(" 1*Condition ")", the cursor on the '('. */
    boost::system::result<if_list> parse_list() {
        ++pos_;
        if_list list;
        for (;;) {
            skip_lws();
            if (at_end()) return make_error_code(if_errc::unterminated_list);
            if (peek() == ')') {
                ++pos_;
                break;
            }
            auto condition = parse_condition();
            if (!condition) return condition.error();
            if (++conditions_ > max_if_conditions) return make_error_code(if_errc::too_long);
            list.conditions.push_back(std::move(*condition));
        }
        if (list.conditions.empty()) return make_error_code(if_errc::empty_list);
        return list;
    }

    /** Condition = ["Not"] (State-token | "[" entity-tag "]"). */
    boost::system::result<if_condition> parse_condition() {
        if_condition c;
        // RFC 4918 §2 uses RFC 2616's BNF, whose quoted literals are case-insensitive (RFC 2616
        // §2.1): "not" and "NOT" are the same keyword as "Not".
        if (text_.size() - pos_ >= 3 && lower(text_[pos_]) == 'n' && lower(text_[pos_ + 1]) == 'o' &&
            lower(text_[pos_ + 2]) == 't') {
            c.negated = true;
            pos_ += 3;
            skip_lws();
            if (at_end()) return make_error_code(if_errc::unterminated_list);
        }
        if (peek() == '<') {
            auto token = coded();
            if (!token || !is_absolute_uri(*token)) return make_error_code(if_errc::bad_state_token);
            c.type = if_condition::kind::state_token;
            c.value = std::string(*token);
        } else if (peek() == '[') {
            auto tag = entity_tag();
            if (!tag) return make_error_code(if_errc::bad_entity_tag);
            c.type = if_condition::kind::entity_tag;
            c.value = std::string(*tag);
        } else {
            return make_error_code(if_errc::expected_condition);
        }
        return c;
    }

    /** The text between the '<' at the cursor and the next '>', which the cursor moves past. */
    std::optional<std::string_view> coded() {
        auto end = text_.find('>', pos_ + 1);
        if (end == std::string_view::npos) return std::nullopt;
        auto inside = text_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
        return inside;
    }

    /**
     * "[" entity-tag "]" with the cursor on the '[': the tag as sent, weak prefix and quotes included.
     * entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (RFC 9110 §8.8.3, which refines RFC 2616 §3.11 and
     * makes "W/" case-sensitive; see is_opaque_tag_byte for the bytes between the quotes). §10.4.2
     * allows no LWS around it inside the brackets. Scanning to the closing quote rather than to the
     * first ']' keeps a ']' inside the opaque tag legal.
     */
    std::optional<std::string_view> entity_tag() {
        std::size_t start = ++pos_;
        if (text_.substr(pos_).starts_with("W/")) pos_ += 2;
        if (at_end() || peek() != '"') return std::nullopt;
        ++pos_;
        while (!at_end() && is_opaque_tag_byte(peek()))
            ++pos_;
        if (at_end() || peek() != '"') return std::nullopt;
        ++pos_;
        if (at_end() || peek() != ']') return std::nullopt;
        auto tag = text_.substr(start, pos_ - start);
        ++pos_;
        return tag;
    }

    /** Implied *LWS between tokens (RFC 2616 §2.1): SP and HT, and a line fold CRLF 1*(SP / HT). */
    void skip_lws() {
        for (;;) {
            if (!at_end() && (peek() == ' ' || peek() == '\t')) {
                ++pos_;
            } else if (text_.size() - pos_ >= 3 && text_[pos_] == '\r' && text_[pos_ + 1] == '\n' &&
                       (text_[pos_ + 2] == ' ' || text_[pos_ + 2] == '\t')) {
                pos_ += 3;
            } else {
                return;
            }
        }
    }

    static char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t conditions_ = 0;
};

/** RFC 9110 §8.8.3.2: strong comparison, both tags strong and their opaque-tags equal octet by octet. */
bool strong_match(std::string_view a, std::string_view b) {
    return !a.starts_with("W/") && !b.starts_with("W/") && a == b;
}

/**
 * RFC 4918 §10.4.4. A state token matches when a lock covering the resource has it (the state gives
 * every lock whose scope includes the resource). An entity tag matches the resource's current ETag by
 * the strong comparison, which §10.4.4 allows and which agrees with If-Match. A resource that does not
 * exist has no ETag, so an entity tag never matches it: "treat as if the URL identified a resource
 * that exists but does not have the specified state".
 */
bool condition_holds(const if_condition& c, const resource_state& state) {
    bool matched = false;
    if (c.type == if_condition::kind::state_token) {
        matched = c.value != no_lock_token && std::find(state.lock_tokens.begin(), state.lock_tokens.end(),
                                                        c.value) != state.lock_tokens.end();
    } else {
        matched = state.etag && strong_match(c.value, *state.etag);
    }
    return matched != c.negated;
}

} // namespace

const boost::system::error_category& if_category() {
    static const if_category_impl category;
    return category;
}

boost::system::error_code make_error_code(if_errc e) {
    return {static_cast<int>(e), if_category()};
}

boost::system::result<if_header> parse_if_header(std::string_view value) {
    return parser(value).parse();
}

std::optional<std::string_view> parse_bare_state_token(std::string_view value) {
    // An absolute URI holds no SP, HT, '<' or '[' and cannot start with '(' (RFC 3986 §3.1: a scheme
    // starts with a letter), so no value the §10.4.2 grammar accepts is ever taken for a bare token.
    auto first = value.find_first_not_of(" \t");
    if (first == std::string_view::npos) return std::nullopt;
    value = value.substr(first, value.find_last_not_of(" \t") - first + 1);
    if (!is_absolute_uri(value)) return std::nullopt;
    return value;
}

bool evaluate_if_header(const if_header& h, std::string_view request_path, std::string_view host, bool tls,
                        const std::function<resource_state(std::string_view path)>& state_of, std::string_view prefix) {
    // Several tags may name one resource; ask for its state once.
    std::map<std::string, resource_state, std::less<>> states;
    for (const auto& group : h.groups) {
        std::string path(request_path);
        if (group.tag) {
            auto resolved = parse_destination(*group.tag, host, tls, prefix);
            if (!resolved) continue; // another server's resource, or not one of ours: none of its lists hold
            path = std::move(resolved->rel);
        }
        auto it = states.find(path);
        if (it == states.end()) {
            auto state = state_of(path);
            it = states.emplace(std::move(path), std::move(state)).first;
        }
        const auto& state = it->second;
        // §10.4.3: a List is a conjunction of its Conditions, the Lists a disjunction, and the header
        // holds when any of its No-tag-list or Tagged-list productions does.
        for (const auto& list : group.lists)
            if (std::all_of(list.conditions.begin(), list.conditions.end(),
                            [&](const if_condition& c) { return condition_holds(c, state); }))
                return true;
    }
    return false;
}

std::vector<std::string> submitted_tokens(const if_header& h) {
    std::vector<std::string> out;
    std::set<std::string_view> seen;
    for (const auto& group : h.groups)
        for (const auto& list : group.lists)
            for (const auto& c : list.conditions)
                if (c.type == if_condition::kind::state_token && c.value != no_lock_token &&
                    seen.insert(c.value).second)
                    out.push_back(c.value);
    return out;
}

} // namespace keepdav::dav
