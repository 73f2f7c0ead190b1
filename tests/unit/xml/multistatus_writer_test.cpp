// The multistatus writer: escaping (whatever bytes it is given, it writes XML 1.0 characters),
// namespaces, and the shape of responses and propstats.
#include "xml/multistatus_writer.hpp"

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <string>

using namespace keepdav::xml;

namespace {

const std::string fffd = "\xef\xbf\xbd"; // U+FFFD REPLACEMENT CHARACTER

std::string escaped(std::string_view text) {
    std::string out;
    append_escaped(out, text);
    return out;
}

} // namespace

TEST_CASE("escaping: markup becomes entities, ordinary text is copied", "[unit][xml]") {
    CHECK(escaped("") == "");
    CHECK(escaped("plain text") == "plain text");
    CHECK(escaped("a&b<c>\"d'") == "a&amp;b&lt;c&gt;&quot;d'");
    CHECK(escaped("\t\n\r\x7f") == "\t\n\r\x7f");
}

TEST_CASE("escaping: C0 controls but TAB, LF and CR become U+FFFD (XML 1.0 §2.2)", "[unit][xml]") {
    CHECK(escaped(std::string("a\0b", 3)) == "a" + fffd + "b");
    CHECK(escaped("\x01") == fffd);
    CHECK(escaped("x\x1f\x1b<") == "x" + fffd + fffd + "&lt;");
}

TEST_CASE("escaping: well-formed UTF-8 is kept", "[unit][xml]") {
    auto text = GENERATE(as<std::string>{}, "\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
                         "\xee\x80\x80", "\xef\xbf\xbd", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
                         "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80!");
    CHECK(escaped(text) == text);
}

TEST_CASE("escaping: ill-formed UTF-8 becomes U+FFFD, one per maximal subpart", "[unit][xml]") {
    struct sample {
        std::string in, out;
    };
    auto s = GENERATE(values<sample>({
        {"bad\xff", "bad" + fffd},
        {"\x80", fffd},                                  // a continuation byte alone
        {"\xc3", fffd},                                  // truncated at the end
        {"\xc3x", fffd + "x"},                           // truncated before ASCII
        {"\xe2\x82x", fffd + "x"},                       // one maximal subpart of two bytes
        {"\xc0\xaf", fffd + fffd},                       // overlong "/": C0 is never a lead byte
        {"\xe0\x80\xaf", fffd + fffd + fffd},            // overlong three-byte form
        {"\xed\xa0\x80", fffd + fffd + fffd},            // a surrogate, U+D800
        {"\xf4\x90\x80\x80", fffd + fffd + fffd + fffd}, // above U+10FFFF
        {"\xf5\x80", fffd + fffd},
        {"\xef\xbf\xbe", fffd},                          // U+FFFE: not an XML Char
        {"\xef\xbf\xbf<", fffd + "&lt;"},                // U+FFFF
        {"\xf0\x9f\x98", fffd},                          // four-byte form cut short
    }));
    INFO(s.in);
    CHECK(escaped(s.in) == s.out);
}

TEST_CASE("serialised XML keeps its markup and loses only what XML cannot hold", "[unit][xml]") {
    std::string out;
    append_xml_characters(out, "<a xmlns=\"urn:a\">x &amp; \x01y\xff</a>");
    CHECK(out == "<a xmlns=\"urn:a\">x &amp; " + fffd + "y" + fffd + "</a>");
    // References to what is no Char (pugixml writes C0 controls as "&#01;") go too; others stay.
    out.clear();
    append_xml_characters(out, "<a>&#01;&#x1f;&#xFFFE;&#0;&#x110000;&#00000000001;&#99999999999;&#9;&#xE9;&#128512;&#;&#x;&#1 &lt;</a>");
    CHECK(out == "<a>" + fffd + fffd + fffd + fffd + fffd + fffd + fffd + "&#9;&#xE9;&#128512;&#;&#x;&#1 &lt;</a>");
}

TEST_CASE("a propstat may carry the precondition that failed (RFC 4918 §14.22)", "[unit][xml]") {
    multistatus_writer w;
    w.open();
    w.begin_response("/p");
    w.begin_propstat();
    w.empty_property({"DAV:", "getetag"});
    w.end_propstat("HTTP/1.1 403 Forbidden", "cannot-modify-protected-property");
    w.begin_propstat();
    w.empty_property({"urn:z", "ok"});
    w.end_propstat("HTTP/1.1 424 Failed Dependency");
    w.end_response();
    w.close();
    pugi::xml_document doc;
    REQUIRE(doc.load_string(w.data().c_str()));
    auto first = doc.document_element().child("D:response").child("D:propstat");
    CHECK(std::string(first.child("D:status").text().get()) == "HTTP/1.1 403 Forbidden");
    CHECK(first.child("D:error").child("D:cannot-modify-protected-property"));
    CHECK_FALSE(first.next_sibling("D:propstat").child("D:error"));
}

TEST_CASE("the multistatus writer escapes and keeps namespaces", "[unit][xml]") {
    multistatus_writer w;
    w.open();
    w.begin_response("/a&b<c>");
    w.begin_propstat();
    w.text_property({"urn:x", "p"}, "1 < 2 & \"q\"");
    w.empty_property({"", "nons"});
    w.end_propstat("HTTP/1.1 200 OK");
    w.end_response();
    w.close();
    pugi::xml_document doc;
    REQUIRE(doc.load_string(w.data().c_str()));
    auto response = doc.document_element().first_child();
    CHECK(std::string(response.child("D:href").text().get()) == "/a&b<c>");
    auto p = response.child("D:propstat").child("D:prop").child("p");
    CHECK(std::string(p.attribute("xmlns").value()) == "urn:x");
    CHECK(std::string(p.text().get()) == "1 < 2 & \"q\"");
    CHECK(std::string(response.child("D:propstat").child("D:status").text().get()) == "HTTP/1.1 200 OK");
}
