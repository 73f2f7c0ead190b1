// The If header (RFC 4918 §10.4): parsing, evaluation and the tokens it submits.
#include "dav/if_header.hpp"

#include "support/result_printing.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace keepdav::dav;

namespace {

/** A small world of resources for evaluate_if_header. */
struct world {
    std::map<std::string, resource_state> resources;
    resource_state operator()(std::string_view path) const {
        auto it = resources.find(std::string(path));
        return it == resources.end() ? resource_state{} : it->second;
    }
};

bool holds(std::string_view header, std::string_view request_path, const world& w) {
    auto parsed = parse_if_header(header);
    REQUIRE(parsed);
    return evaluate_if_header(*parsed, request_path, "host:80", false, std::cref(w));
}

} // namespace

TEST_CASE("If header grammar: what parses", "[unit][if]") {
    auto [text, groups, lists, tagged] = GENERATE(table<std::string, std::size_t, std::size_t, bool>({
        {"(<urn:uuid:a>)", 1, 1, false},
        {"(<urn:uuid:a> [\"etag\"]) (Not <DAV:no-lock>)", 1, 2, false},
        {"  ( Not <urn:uuid:a>\t[W/\"w\"] )  ", 1, 1, false},
        {"<http://host/p> (<urn:uuid:a>)", 1, 1, true},
        {"</a> (<urn:uuid:a>) (Not <DAV:no-lock>) </b> ([\"x\"])", 2, 2, true},
    }));
    INFO(text);
    auto parsed = parse_if_header(text);
    REQUIRE(parsed);
    CHECK(parsed->groups.size() == groups);
    CHECK(parsed->groups.front().lists.size() == lists);
    CHECK(parsed->tagged() == tagged);
}

TEST_CASE("If header grammar: what does not parse", "[unit][if]") {
    auto text = GENERATE(as<std::string>{}, "", "   ", "()", "(<urn:uuid:a>", "<urn:uuid:a>", "(urn:uuid:a)",
                         "([etag])", "(Not)", "(<a b>)", "</a> (<x>) (<y>) junk", "(<x>) </a> (<y>)", "</a>");
    INFO("'" << text << "'");
    CHECK_FALSE(parse_if_header(text));
}

TEST_CASE("conditions: tokens, entity tags and Not", "[unit][if]") {
    world w;
    w.resources["f"] = {{"urn:uuid:held"}, "\"v1\""};
    CHECK(holds("(<urn:uuid:held>)", "f", w));
    CHECK_FALSE(holds("(<urn:uuid:other>)", "f", w));
    CHECK(holds("(Not <urn:uuid:other>)", "f", w));
    CHECK(holds("([\"v1\"])", "f", w));
    CHECK_FALSE(holds("([\"v2\"])", "f", w));
    CHECK_FALSE(holds("([W/\"v1\"])", "f", w)); // strong comparison: a weak tag never matches
    // A list needs every condition; the header needs any list.
    CHECK_FALSE(holds("(<urn:uuid:held> [\"v2\"])", "f", w));
    CHECK(holds("(<urn:uuid:held> [\"v2\"]) ([\"v1\"])", "f", w));
    // DAV:no-lock never matches a lock: the litmus idiom "(<token>) (Not <DAV:no-lock>)" always holds.
    CHECK_FALSE(holds("(<DAV:no-lock>)", "f", w));
    CHECK(holds("(<urn:uuid:wrong>) (Not <DAV:no-lock>)", "f", w));
    // An entity tag on a missing resource never matches.
    CHECK_FALSE(holds("([\"v1\"])", "missing", w));
    CHECK(holds("(Not [\"v1\"])", "missing", w));
}

TEST_CASE("tagged lists test the resource they name", "[unit][if]") {
    world w;
    w.resources["a"] = {{"urn:uuid:on-a"}, "\"a\""};
    w.resources["b c"] = {{"urn:uuid:on-b"}, "\"b\""};
    CHECK(holds("</a> (<urn:uuid:on-a>)", "b c", w));
    CHECK_FALSE(holds("</a> (<urn:uuid:on-b>)", "b c", w));
    CHECK(holds("<http://host/b%20c> (<urn:uuid:on-b>)", "a", w));
    // Another server's resource: none of its lists hold.
    CHECK_FALSE(holds("<http://elsewhere/a> (<urn:uuid:on-a>)", "a", w));
    // Untagged lists test the request's resource.
    CHECK(holds("(<urn:uuid:on-a>)", "a", w));
    CHECK_FALSE(holds("(<urn:uuid:on-a>)", "b c", w));
}

TEST_CASE("submitted tokens are every state token but DAV:no-lock", "[unit][if]") {
    auto parsed = parse_if_header("</a> (<urn:uuid:1> [\"e\"]) (Not <urn:uuid:2>) </b> (<DAV:no-lock>)");
    REQUIRE(parsed);
    CHECK(submitted_tokens(*parsed) == std::vector<std::string>{"urn:uuid:1", "urn:uuid:2"});
}

TEST_CASE("a header with too many conditions is refused, cheaply", "[unit][if]") {
    std::string text = "(";
    for (int i = 0; i < 5000; ++i) text += "<urn:x> ";
    text += ")";
    CHECK_FALSE(parse_if_header(text));
}
