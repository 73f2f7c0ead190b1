// The If header (RFC 4918 §10.4): parsing, evaluation and the tokens it submits.
#include "dav/if_header.hpp"

#include "support/result_printing.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>

using keepdav::dav::evaluate_if_header;
using keepdav::dav::if_condition;
using keepdav::dav::if_errc;
using keepdav::dav::if_header;
using keepdav::dav::max_if_conditions;
using keepdav::dav::max_if_header_length;
using keepdav::dav::parse_if_header;
using keepdav::dav::resource_state;
using keepdav::dav::submitted_tokens;

namespace {

/** The header written back in a canonical spelling, so that one string states the whole parse. */
std::string canonical(const if_header& h) {
    std::string out;
    for (const auto& group : h.groups) {
        if (group.tag) out += (out.empty() ? "<" : " <") + *group.tag + ">";
        for (const auto& list : group.lists) {
            out += out.empty() ? "(" : " (";
            bool first = true;
            for (const auto& c : list.conditions) {
                if (!first) out += " ";
                first = false;
                if (c.negated) out += "Not ";
                out += c.type == if_condition::kind::state_token ? "<" + c.value + ">" : "[" + c.value + "]";
            }
            out += ")";
        }
    }
    return out;
}

/** A small world of resources for evaluate_if_header; anything not listed does not exist. */
struct world {
    std::map<std::string, resource_state> resources;
    resource_state operator()(std::string_view path) const {
        auto it = resources.find(std::string(path));
        return it == resources.end() ? resource_state{} : it->second;
    }
};

world sample_world() {
    world w;
    w.resources[""] = {{"urn:uuid:root"}, "\"root\""};
    w.resources["a"] = {{"urn:uuid:on-a"}, "\"a\""};
    w.resources["b c"] = {{"urn:uuid:on-b"}, "\"b\""};
    w.resources["two"] = {{"urn:uuid:shared", "urn:uuid:exclusive"}, "\"two\""};
    w.resources["coll"] = {{"urn:uuid:coll"}, "\"coll\""};
    // A depth-infinity lock on coll covers its members, and also a URL below it that is not mapped yet.
    w.resources["coll/member"] = {{"urn:uuid:coll"}, "\"m\""};
    w.resources["coll/new"] = {{"urn:uuid:coll"}, std::nullopt};
    w.resources["free"] = {{}, "\"free\""};
    w.resources["weak"] = {{}, "W/\"w\""}; // the contract says strong; a weak one must still never match
    return w;
}

} // namespace

TEST_CASE("If header grammar: what parses, and into what", "[unit][if]") {
    auto [text, expected] = GENERATE(table<std::string, std::string>({
        {"(<urn:uuid:a>)", "(<urn:uuid:a>)"},
        // litmus's locks tests send these two shapes
        {"(<urn:uuid:x> [\"etag\"]) (Not <DAV:no-lock>)", "(<urn:uuid:x> [\"etag\"]) (Not <DAV:no-lock>)"},
        {"<http://h/p> (<urn:uuid:x>)", "<http://h/p> (<urn:uuid:x>)"},
        // RFC 4918 §10.4.6, an opaque tag with spaces in it included
        {"(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2> [\"I am an ETag\"]) ([\"I am another ETag\"])",
         "(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2> [\"I am an ETag\"]) ([\"I am another ETag\"])"},
        // RFC 4918 §10.4.9
        {"<http://www.example.com/users/f/fielding/index.html> "
         "(<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>)",
         "<http://www.example.com/users/f/fielding/index.html> "
         "(<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>)"},
        {"(<opaquelocktoken:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>)",
         "(<opaquelocktoken:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>)"},
        // linear whitespace anywhere between tokens, or none where a separator divides them
        {"  (  Not   <urn:a>\t[W/\"w\"]  )  ", "(Not <urn:a> [W/\"w\"])"},
        {"(<urn:a>)(<urn:b>)", "(<urn:a>) (<urn:b>)"},
        {"(Not<urn:a>)", "(Not <urn:a>)"},
        {"</a>(<urn:a>)</b>([\"x\"])", "</a> (<urn:a>) </b> ([\"x\"])"},
        {"(<urn:a>)\r\n (<urn:b>)\r\n\t(<urn:c>)", "(<urn:a>) (<urn:b>) (<urn:c>)"}, // obs-fold
        // "Not" is a quoted BNF literal, so any case (RFC 2616 §2.1)
        {"(NOT <urn:a>) (not <urn:b>) (nOt [\"x\"])", "(Not <urn:a>) (Not <urn:b>) (Not [\"x\"])"},
        // several lists per resource, several resources, the same resource twice
        {"</a> (<urn:a>) (Not <DAV:no-lock>) </b> ([\"x\"])",
         "</a> (<urn:a>) (Not <DAV:no-lock>) </b> ([\"x\"])"},
        {"</a> (<urn:a>) </a> (<urn:b>)", "</a> (<urn:a>) </a> (<urn:b>)"},
        // Simple-ref: absolute path with a query, an https URL, the root
        {"</a?x=1> (<urn:a>)", "</a?x=1> (<urn:a>)"},
        {"<https://h:8443/a%20b/> (<urn:a>)", "<https://h:8443/a%20b/> (<urn:a>)"},
        {"</> (<urn:a>)", "</> (<urn:a>)"},
        // entity tags: weak, empty, and bytes the grammar allows (']' and '\' inside the quotes)
        {"([\"\"] [W/\"\"])", "([\"\"] [W/\"\"])"},
        {"([\"a]b\"] [\"c\\d\"])", "([\"a]b\"] [\"c\\d\"])"},
        {"([\"caf\xC3\xA9\"])", "([\"caf\xC3\xA9\"])"},
        // several conditions of each kind, mixed, in one list
        {"(<urn:a> Not <urn:b> [\"x\"] Not [W/\"y\"])", "(<urn:a> Not <urn:b> [\"x\"] Not [W/\"y\"])"},
    }));
    INFO(text);
    auto parsed = parse_if_header(text);
    REQUIRE(parsed);
    CHECK(canonical(*parsed) == expected);
    // All the No-tag-lists make one group, for the Request-URI.
    if (!parsed->tagged()) CHECK(parsed->groups.size() == 1);
    for (const auto& group : parsed->groups)
        CHECK(group.tag.has_value() == parsed->tagged());
}

TEST_CASE("If header grammar: the parts keep what was sent", "[unit][if]") {
    auto parsed = parse_if_header("<http://h/p> (Not <urn:uuid:x> [W/\"e\"]) ([\"f\"])");
    REQUIRE(parsed);
    CHECK(parsed->tagged());
    REQUIRE(parsed->groups.size() == 1);
    const auto& group = parsed->groups.front();
    CHECK(group.tag == "http://h/p");
    REQUIRE(group.lists.size() == 2);
    REQUIRE(group.lists[0].conditions.size() == 2);
    const auto& token = group.lists[0].conditions[0];
    CHECK(token.negated);
    CHECK(token.type == if_condition::kind::state_token);
    CHECK(token.value == "urn:uuid:x");
    const auto& tag = group.lists[0].conditions[1];
    CHECK_FALSE(tag.negated);
    CHECK(tag.type == if_condition::kind::entity_tag);
    CHECK(tag.value == "W/\"e\"");
    CHECK(group.lists[1].conditions.at(0).value == "\"f\"");
}

TEST_CASE("If header grammar: what does not parse, and why", "[unit][if]") {
    auto [text, expected] = GENERATE(table<std::string, if_errc>({
        {"", if_errc::empty},
        {"   ", if_errc::empty},
        {"\t \r\n ", if_errc::empty},
        {"()", if_errc::empty_list},
        {"( )", if_errc::empty_list},
        {"(<urn:a>) ()", if_errc::empty_list},
        {"(<urn:a>", if_errc::unterminated_list},
        {"(<urn:a> ", if_errc::unterminated_list},
        {"(Not", if_errc::unterminated_list},
        {"(", if_errc::unterminated_list},
        {"(urn:uuid:a)", if_errc::expected_condition},
        {"(Not)", if_errc::expected_condition},
        {"(Not Not <urn:a>)", if_errc::expected_condition},
        {"(<urn:a> Not)", if_errc::expected_condition},
        {"((<urn:a>))", if_errc::expected_condition},
        {"(Nota <urn:a>)", if_errc::expected_condition},
        {"(\"etag\")", if_errc::expected_condition},
        {"(<a b>)", if_errc::bad_state_token},
        {"(<relative/path>)", if_errc::bad_state_token},
        {"(</abs/path>)", if_errc::bad_state_token},
        {"(<>)", if_errc::bad_state_token},
        {"(<urn:a#frag>)", if_errc::bad_state_token},
        {"(<urn:a)", if_errc::bad_state_token},
        {"(< urn:a>)", if_errc::bad_state_token},
        {"([etag])", if_errc::bad_entity_tag},
        {"([])", if_errc::bad_entity_tag},
        {"([\"a\" ])", if_errc::bad_entity_tag}, // §10.4.2: no LWS inside the brackets
        {"([ \"a\"])", if_errc::bad_entity_tag},
        {"([\"a\"\"b\"])", if_errc::bad_entity_tag},
        {"([\"a\",\"b\"])", if_errc::bad_entity_tag},
        {"([w/\"a\"])", if_errc::bad_entity_tag}, // "W/" is case-sensitive (RFC 9110 §8.8.3)
        {"([W/ \"a\"])", if_errc::bad_entity_tag},
        {"([W/a])", if_errc::bad_entity_tag},
        {"([\"a)", if_errc::bad_entity_tag},
        {"([\"a\x01\"])", if_errc::bad_entity_tag},
        {"([\"a\"", if_errc::bad_entity_tag},
        {"<urn:a>", if_errc::expected_list},
        {"</a>", if_errc::expected_list},
        {"</a> </b> (<urn:x>)", if_errc::expected_list},
        {"</a> (<urn:x>) </b>", if_errc::expected_list},
        {"</a> (<urn:x>) (<urn:y>) junk", if_errc::expected_list},
        {"(<urn:x>) junk", if_errc::expected_list},
        {"(<urn:x>), (<urn:y>)", if_errc::expected_list},
        {"(<urn:x>)\n(<urn:y>)", if_errc::expected_list},   // a bare LF is not LWS
        {"(<urn:x>)\r\n(<urn:y>)", if_errc::expected_list}, // nor a CRLF that does not fold
        {"Not (<urn:x>)", if_errc::expected_list},
        {"If: (<urn:x>)", if_errc::expected_list},
        {"[\"x\"]", if_errc::expected_list},
        {"<a> (<urn:x>)", if_errc::bad_resource_tag}, // relative reference
        {"</a b> (<urn:x>)", if_errc::bad_resource_tag},
        {"< /a> (<urn:x>)", if_errc::bad_resource_tag},
        {"<//host/a> (<urn:x>)", if_errc::bad_resource_tag},
        {"<http://h/p#f> (<urn:x>)", if_errc::bad_resource_tag},
        {"<> (<urn:x>)", if_errc::bad_resource_tag},
        {"</a (<urn:x>)", if_errc::bad_resource_tag},
        {"(<urn:x>) </a> (<urn:y>)", if_errc::mixed_tags},
        {"(<urn:x>) ([\"e\"]) <http://h/a> (<urn:z>)", if_errc::mixed_tags},
    }));
    INFO("'" << text << "'");
    auto parsed = parse_if_header(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == expected);
}

TEST_CASE("bare state tokens: one absolute URI and nothing else", "[unit][if]") {
    using keepdav::dav::parse_bare_state_token;
    auto token = "urn:uuid:6a1e2f4c-0b1d-4e5f-8a9b-0c1d2e3f4a5b";
    CHECK(parse_bare_state_token(token) == token);
    CHECK(parse_bare_state_token(std::string(" \t") + token + " ") == token);
    CHECK(parse_bare_state_token("opaquelocktoken:f81d4fae-7dec-11d0-a765-00a0c91e6bf6") ==
          "opaquelocktoken:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    auto refused = GENERATE(as<std::string>{}, "", "  ", "(<urn:uuid:a>)", "<urn:uuid:a>", "(urn:uuid:a)",
                            "urn:uuid:a urn:uuid:b", "/a/path", "relative", "[\"etag\"]",
                            "Not urn:uuid:a", "urn:a#frag");
    INFO("'" << refused << "'");
    CHECK_FALSE(parse_bare_state_token(refused));
    // The If grammar itself is not loosened: a bare token is no List (RFC 4918 §10.4.2).
    CHECK(parse_if_header(token).error() == if_errc::expected_list);
}

TEST_CASE("If header errors say what is wrong", "[unit][if]") {
    std::set<std::string> messages;
    for (int e = static_cast<int>(if_errc::empty); e <= static_cast<int>(if_errc::too_long); ++e) {
        auto ec = make_error_code(static_cast<if_errc>(e));
        CHECK(std::string(ec.category().name()) == "keepdav.if");
        CHECK_FALSE(ec.message().empty());
        messages.insert(ec.message());
    }
    CHECK(messages.size() == static_cast<std::size_t>(if_errc::too_long));
    CHECK(parse_if_header("(<urn:x>) </a> (<urn:y>)").error().message().find("mixes") != std::string::npos);
    CHECK(parse_if_header("([etag])").error().message().find("entity tag") != std::string::npos);
}

TEST_CASE("hostile If headers are refused, and cheaply", "[unit][if]") {
    auto many = [](std::size_t n) {
        std::string text = "(";
        for (std::size_t i = 0; i < n; ++i)
            text += "<urn:x> ";
        return text + ")";
    };
    CHECK(parse_if_header(many(max_if_conditions)));
    CHECK(parse_if_header(many(max_if_conditions + 1)).error() == if_errc::too_long);
    // The limit is on the header, not on a list.
    std::string lists;
    for (std::size_t i = 0; i <= max_if_conditions; ++i)
        lists += "(<urn:x>)";
    CHECK(parse_if_header(lists).error() == if_errc::too_long);

    std::string padded = "(<urn:x>)" + std::string(max_if_header_length, ' ');
    CHECK(parse_if_header(padded).error() == if_errc::too_long);

    // Inputs that make a backtracking parser rescan: unclosed brackets, long URIs, long runs of LWS.
    // Each is just under the length limit; a linear parser does them all in well under a second even
    // unoptimised, a quadratic one would take minutes.
    constexpr std::size_t n = max_if_header_length - 16;
    std::vector<std::string> inputs = {
        "(" + std::string(n, '<'),
        "(<urn:" + std::string(n, 'a'),
        "(<urn:" + std::string(n, 'a') + ">)",
        "</" + std::string(n, 'a') + "> (<urn:x>)",
        "([\"" + std::string(n, 'a'),
        "(" + std::string(n, ' '),
        std::string(n / 2, '('),
        "(<urn:x>" + std::string(n / 3, '>'),
    };
    auto start = std::chrono::steady_clock::now();
    for (const auto& text : inputs)
        (void)parse_if_header(text);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("If header evaluation: conditions, lists and resources", "[unit][if]") {
    auto [text, request_path, expected] = GENERATE(table<std::string, std::string, bool>({
        // state tokens
        {"(<urn:uuid:on-a>)", "a", true},
        {"(<urn:uuid:on-b>)", "a", false},
        {"(<urn:uuid:exclusive>)", "two", true},
        {"(<URN:UUID:ON-A>)", "a", false}, // tokens compare exactly
        // Not
        {"(Not <urn:uuid:on-b>)", "a", true},
        {"(Not <urn:uuid:on-a>)", "a", false},
        // entity tags, by the strong comparison (RFC 4918 §10.4.4, RFC 9110 §8.8.3.2)
        {"([\"a\"])", "a", true},
        {"([\"b\"])", "a", false},
        {"([W/\"a\"])", "a", false},
        {"(Not [W/\"a\"])", "a", true},
        {"([\"A\"])", "a", false},
        {"(Not [\"b\"])", "a", true},
        {"(Not [\"a\"])", "a", false},
        {"([W/\"w\"])", "weak", false},
        {"([\"w\"])", "weak", false},
        // a List needs every condition...
        {"(<urn:uuid:on-a> [\"a\"])", "a", true},
        {"(<urn:uuid:on-a> [\"b\"])", "a", false},
        {"(<urn:uuid:on-a> Not [\"b\"])", "a", true},
        {"(<urn:uuid:shared> <urn:uuid:exclusive>)", "two", true},
        {"(<urn:uuid:shared> <urn:uuid:on-a>)", "two", false},
        // ...the header any List
        {"(<urn:uuid:on-a> [\"b\"]) ([\"a\"])", "a", true},
        {"([\"a\"]) (<urn:uuid:on-a> [\"b\"])", "a", true},
        {"([\"x\"]) ([\"y\"]) (<urn:uuid:on-b>)", "a", false},
        // DAV:no-lock matches no lock, so "Not <DAV:no-lock>" always holds (RFC 4918 §10.4.8)
        {"(<DAV:no-lock>)", "a", false},
        {"(<DAV:no-lock>)", "missing", false},
        {"(Not <DAV:no-lock>)", "a", true},
        {"(Not <DAV:no-lock>)", "missing", true},
        {"(<urn:uuid:stale>) (Not <DAV:no-lock>)", "a", true},
        {"(<urn:uuid:stale> [\"stale\"]) (Not <DAV:no-lock>)", "free", true},
        {"(Not <DAV:no-lock> [\"x\"])", "a", false},
        // a missing resource: exists, but with none of the state asked about (RFC 4918 §10.4.4)
        {"([\"a\"])", "missing", false},
        {"(Not [\"a\"])", "missing", true},
        {"(<urn:uuid:on-a>)", "missing", false},
        {"(Not <urn:uuid:on-a>)", "missing", true},
        // a lock token matches anywhere in the lock's scope, mapped or not
        {"(<urn:uuid:coll>)", "coll/member", true},
        {"(<urn:uuid:coll>)", "coll/new", true},
        {"(<urn:uuid:coll> [\"m\"])", "coll/new", false},
        {"(<urn:uuid:coll> Not [\"m\"])", "coll/new", true},
        // untagged lists test the request's resource
        {"([\"b\"])", "b c", true},
        {"([\"a\"])", "b c", false},
        {"(<urn:uuid:root>)", "", true},
        // tagged lists test the resource they name, whatever the request's
        {"</a> (<urn:uuid:on-a>)", "b c", true},
        {"</a> (<urn:uuid:on-b>)", "b c", false},
        {"<http://host/b%20c> (<urn:uuid:on-b>)", "a", true},
        {"<http://HOST:80/a> ([\"a\"])", "free", true},
        {"</coll/> (<urn:uuid:coll>)", "free", true},
        {"</> ([\"root\"])", "a", true},
        {"</a?x=1> (<urn:uuid:on-a>)", "free", true},
        {"</a> ([\"x\"]) ([\"a\"])", "free", true},
        {"</a> ([\"x\"]) </b%20c> ([\"b\"])", "free", true},
        {"</a> ([\"x\"]) </b%20c> ([\"x\"])", "free", false},
        {"</missing> ([\"a\"]) </a> ([\"a\"])", "free", true},
        {"</missing> (Not [\"a\"])", "free", true},
        {"</a> ([\"a\"])", "missing", true},
        // a tag on another server, or one that does not resolve here, holds for nothing
        {"<http://elsewhere/a> (<urn:uuid:on-a>)", "a", false},
        {"<http://elsewhere/a> (Not <DAV:no-lock>)", "a", false},
        {"<https://host/a> (<urn:uuid:on-a>)", "a", false},
        {"<http://host:8080/a> (<urn:uuid:on-a>)", "a", false},
        {"<urn:uuid:on-a> (<urn:uuid:on-a>)", "a", false},
        {"</a/%2e%2e/etc> (Not <DAV:no-lock>)", "a", false},
        {"<http://elsewhere/a> (<urn:uuid:on-a>) </a> (<urn:uuid:on-a>)", "free", true},
    }));
    INFO(text << " on '" << request_path << "'");
    auto parsed = parse_if_header(text);
    REQUIRE(parsed);
    auto w = sample_world();
    CHECK(evaluate_if_header(*parsed, request_path, "host:80", false, std::cref(w)) == expected);
}

TEST_CASE("If header evaluation asks for each resource's state once, and only as needed", "[unit][if]") {
    auto w = sample_world();
    std::vector<std::string> asked;
    auto state_of = [&](std::string_view path) {
        asked.emplace_back(path);
        return w(path);
    };
    auto parsed = parse_if_header("</a> ([\"x\"]) </a> ([\"y\"]) </free> ([\"free\"]) </b%20c> ([\"b\"])");
    REQUIRE(parsed);
    CHECK(evaluate_if_header(*parsed, "", "host", false, state_of));
    CHECK(asked == std::vector<std::string>{"a", "free"});

    asked.clear();
    parsed = parse_if_header("(<urn:uuid:on-a>) ([\"x\"])");
    REQUIRE(parsed);
    CHECK(evaluate_if_header(*parsed, "a", "host", false, state_of));
    CHECK(asked == std::vector<std::string>{"a"});

    asked.clear();
    parsed = parse_if_header("<http://elsewhere/a> (Not <DAV:no-lock>)");
    REQUIRE(parsed);
    CHECK_FALSE(evaluate_if_header(*parsed, "a", "host", false, state_of));
    CHECK(asked.empty());
}

TEST_CASE("If header evaluation resolves tags against this server's scheme and host", "[unit][if]") {
    auto w = sample_world();
    auto parsed = parse_if_header("<https://host:8443/a> (<urn:uuid:on-a>)");
    REQUIRE(parsed);
    CHECK(evaluate_if_header(*parsed, "free", "host:8443", true, std::cref(w)));
    CHECK_FALSE(evaluate_if_header(*parsed, "free", "host:8443", false, std::cref(w)));
    CHECK_FALSE(evaluate_if_header(*parsed, "free", "other:8443", true, std::cref(w)));
}

TEST_CASE("submitted tokens: every state token, once, in order, but DAV:no-lock", "[unit][if]") {
    auto [text, expected] = GENERATE(table<std::string, std::vector<std::string>>({
        {"(<urn:uuid:1>)", {"urn:uuid:1"}},
        {"([\"e\"])", {}},
        {"(Not <DAV:no-lock>)", {}},
        {"(<urn:uuid:stale>) (Not <DAV:no-lock>)", {"urn:uuid:stale"}},
        {"(Not <urn:uuid:1>)", {"urn:uuid:1"}}, // negated tokens are submitted too (§10.4.1)
        {"</a> (<urn:uuid:1> [\"e\"]) (Not <urn:uuid:2>) </b> (<DAV:no-lock>) (<urn:uuid:1> <urn:uuid:3>)",
         {"urn:uuid:1", "urn:uuid:2", "urn:uuid:3"}},
        // submitted whether or not the list holds, or is even evaluated (§10.4.1)
        {"<http://elsewhere/x> (<urn:uuid:far>)", {"urn:uuid:far"}},
    }));
    INFO(text);
    auto parsed = parse_if_header(text);
    REQUIRE(parsed);
    CHECK(submitted_tokens(*parsed) == expected);
}
