#include "dav/access_rules.hpp"

#include <catch2/catch.hpp>

using namespace keepdav;
using dav::access_decision;
namespace http = boost::beast::http;

namespace {

const dav::access_rules alice{access_level::write,
                              {{"shared", access_level::read},
                               {"shared/inbox", access_level::write},
                               {"private", access_level::none},
                               {"docs/secret", access_level::none}}};
const dav::access_rules reader{access_level::read, {{"drop", access_level::write}}};

} // namespace

TEST_CASE("access rules: the longest prefix wins, by whole segments") {
    struct row {
        const dav::access_rules& rules;
        std::string rel;
        access_level level;
    };
    const row rows[] = {
        {alice, "", access_level::write},
        {alice, "a.txt", access_level::write},
        {alice, "shared", access_level::read},
        {alice, "shared/x/y", access_level::read},
        {alice, "shared/inbox", access_level::write},
        {alice, "shared/inbox/new.txt", access_level::write},
        {alice, "shared/inboxes", access_level::read}, // not under "shared/inbox"
        {alice, "sharedfile", access_level::write},    // not under "shared"
        {alice, "private", access_level::none},
        {alice, "private/a/b", access_level::none},
        {alice, "docs", access_level::write},
        {alice, "docs/secret/x", access_level::none},
        {reader, "", access_level::read},
        {reader, "drop/x", access_level::write},
    };
    for (const auto& r : rows) {
        INFO(r.rel);
        CHECK(r.rules.at(r.rel) == r.level);
    }
}

TEST_CASE("access decisions by method and tree") {
    struct row {
        const dav::access_rules& rules;
        std::string rel;
        http::verb method;
        bool tree;
        access_decision decision;
    };
    using v = http::verb;
    const row rows[] = {
        {alice, "a.txt", v::get, false, access_decision::allowed},
        {alice, "a.txt", v::put, false, access_decision::allowed},
        {alice, "shared/a.txt", v::get, false, access_decision::allowed},
        {alice, "shared/a.txt", v::propfind, false, access_decision::allowed},
        {alice, "shared/a.txt", v::put, false, access_decision::forbidden},
        {alice, "shared/a.txt", v::proppatch, false, access_decision::forbidden},
        {alice, "shared/a.txt", v::patch, false, access_decision::forbidden}, // a partial update writes
        {alice, "shared/a.txt", v::lock, false, access_decision::forbidden},
        {alice, "shared/inbox/a.txt", v::put, false, access_decision::allowed},
        {alice, "private", v::get, false, access_decision::not_found},
        {alice, "private/a.txt", v::put, false, access_decision::not_found},
        {alice, "private/a.txt", v::options, false, access_decision::not_found},
        // A whole tree: the rules beneath it count too.
        {alice, "docs", v::delete_, true, access_decision::forbidden},   // holds docs/secret
        {alice, "", v::delete_, true, access_decision::forbidden},       // holds everything
        {alice, "shared", v::delete_, true, access_decision::forbidden}, // read-only itself
        {alice, "other", v::delete_, true, access_decision::allowed},
        {alice, "docs", v::copy, true, access_decision::forbidden},      // a COPY source needs read: none beneath
        {alice, "shared", v::get, true, access_decision::allowed},       // read beneath is enough to read
        {reader, "", v::get, false, access_decision::allowed},
        {reader, "a.txt", v::delete_, false, access_decision::forbidden},
        {reader, "drop/a.txt", v::delete_, true, access_decision::allowed},
        // Without rules, everything.
        {dav::access_rules{}, "private", v::delete_, true, access_decision::allowed},
    };
    for (const auto& r : rows) {
        INFO(r.rel << " " << http::to_string(r.method));
        auto needed = r.method == v::copy ? access_level::read : dav::needed_level(r.method);
        CHECK(dav::decide(r.rules, r.rel, needed, r.tree) == r.decision);
    }
}
