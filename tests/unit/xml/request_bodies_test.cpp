// Request bodies: what parses into what, and what is refused with a message.
#include "xml/request_bodies.hpp"

#include "support/result_printing.hpp"

#include <catch2/catch.hpp>

using namespace keepdav::xml;

TEST_CASE("PROPFIND bodies", "[unit][xml]") {
    CHECK(parse_propfind("")->type == propfind_body::kind::allprop);
    CHECK(parse_propfind("<D:propfind xmlns:D='DAV:'><D:allprop/></D:propfind>")->type == propfind_body::kind::allprop);
    CHECK(parse_propfind("<propfind xmlns='DAV:'><propname/></propfind>")->type == propfind_body::kind::propname);
    auto prop = parse_propfind("<D:propfind xmlns:D='DAV:' xmlns:Z='urn:z'><D:prop><D:getetag/><Z:x/><y xmlns='urn:y'/></D:prop></D:propfind>");
    REQUIRE(prop);
    REQUIRE(prop->props.size() == 3);
    CHECK(prop->props[0] == qname{"DAV:", "getetag"});
    CHECK(prop->props[1] == qname{"urn:z", "x"});
    CHECK(prop->props[2] == qname{"urn:y", "y"});
}

TEST_CASE("bad PROPFIND bodies are refused with a reason", "[unit][xml]") {
    auto body = GENERATE(as<std::string>{}, "<not xml", "<D:other xmlns:D='DAV:'/>",
                         "<D:propfind xmlns:D='DAV:'/>",
                         "<D:propfind xmlns:D='DAV:'><D:allprop/><D:propname/></D:propfind>",
                         "<D:propfind xmlns:D='DAV:'><D:prop><bar:foo xmlns:bar=''/></D:prop></D:propfind>",
                         "<D:propfind xmlns:D='DAV:'><D:prop><undeclared:foo/></D:prop></D:propfind>");
    INFO(body);
    auto parsed = parse_propfind(body);
    REQUIRE_FALSE(parsed);
    CHECK_FALSE(parsed.error().message.empty());
}

TEST_CASE("deep nesting is refused before it costs anything", "[unit][xml]") {
    std::string body = "<D:propfind xmlns:D='DAV:'><D:prop>";
    for (int i = 0; i < 1000; ++i) body += "<a>";
    for (int i = 0; i < 1000; ++i) body += "</a>";
    body += "</D:prop></D:propfind>";
    CHECK_FALSE(parse_propfind(body));
}

TEST_CASE("PROPPATCH keeps values self-contained, in document order", "[unit][xml]") {
    auto updates = parse_propertyupdate(
        "<D:propertyupdate xmlns:D='DAV:' xmlns:Z='urn:z'><D:set><D:prop xml:lang='en'>"
        "<Z:a>text &amp; <Z:child attr='1'/></Z:a></D:prop></D:set>"
        "<D:remove><D:prop><Z:b/></D:prop></D:remove></D:propertyupdate>");
    REQUIRE(updates);
    REQUIRE(updates->size() == 2);
    CHECK((*updates)[0].op == property_update::kind::set);
    CHECK((*updates)[0].name == qname{"urn:z", "a"});
    const auto& value = (*updates)[0].value_xml;
    CHECK(value.find("xmlns:Z=\"urn:z\"") != std::string::npos);
    CHECK(value.find("xml:lang=\"en\"") != std::string::npos);
    CHECK(value.find("text &amp; <Z:child attr=\"1\"") != std::string::npos);
    CHECK((*updates)[1].op == property_update::kind::remove);
    CHECK((*updates)[1].name == qname{"urn:z", "b"});
}

TEST_CASE("bodies with characters XML 1.0 forbids are refused, raw or as references", "[unit][xml]") {
    // pugixml accepts them and would serialise "&#01;", which no later PROPFIND reader could parse.
    auto text = GENERATE(as<std::string>{}, "a\x01" "b", "&#1;", "&#x1B;", "<Z:c attr='&#2;'/>", "<![CDATA[\x1f]]>");
    INFO(text);
    auto proppatch = parse_propertyupdate("<D:propertyupdate xmlns:D='DAV:' xmlns:Z='urn:z'><D:set><D:prop><Z:a>" +
                                          text + "</Z:a></D:prop></D:set></D:propertyupdate>");
    REQUIRE_FALSE(proppatch);
    CHECK(proppatch.error().message.find("control character") != std::string::npos);
    CHECK_FALSE(parse_lockinfo("<D:lockinfo xmlns:D='DAV:' xmlns:Z='urn:z'><D:lockscope><D:shared/></D:lockscope>"
                               "<D:locktype><D:write/></D:locktype><D:owner>" + text + "</D:owner></D:lockinfo>"));
    // TAB, LF and CR are Chars.
    CHECK(parse_propertyupdate("<D:propertyupdate xmlns:D='DAV:'><D:set><D:prop><a>\t&#10;&#xD;</a></D:prop>"
                               "</D:set></D:propertyupdate>"));
}

TEST_CASE("LOCK bodies", "[unit][xml]") {
    auto l = parse_lockinfo("<D:lockinfo xmlns:D='DAV:'><D:lockscope><D:shared/></D:lockscope>"
                            "<D:locktype><D:write/></D:locktype><D:owner><D:href>me</D:href></D:owner></D:lockinfo>");
    REQUIRE(l);
    CHECK_FALSE(l->exclusive);
    CHECK(l->owner_xml.find("<D:href>me</D:href>") != std::string::npos);
    CHECK_FALSE(parse_lockinfo("<D:lockinfo xmlns:D='DAV:'><D:lockscope><D:exclusive/></D:lockscope></D:lockinfo>"));
}
