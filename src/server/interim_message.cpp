#include "server/interim_message.hpp"

#include "dav/target.hpp"

namespace keepdav::server {

std::string status_uri(const std::vector<dav::operation_progress::finished>& recent, std::string_view base) {
    std::string out;
    for (const auto& done : recent) {
        std::string entry =
            std::to_string(done.status) + " <" + std::string(base) + dav::href_for(done.rel, done.collection) + ">";
        if (out.size() + entry.size() + 1 > max_status_uri_bytes) break;
        if (!out.empty()) out.push_back(' ');
        out += entry;
    }
    return out;
}

http::response<http::empty_body> processing_message(const dav::operation_progress::snapshot& progress,
                                                     std::string_view base, std::chrono::milliseconds elapsed) {
    http::response<http::empty_body> res{http::status::processing, 11};
    // Lower-case names: HTTP/2 gateways that relay a 1xx reject upper-case field names.
    if (auto uri = status_uri(progress.recent, base); !uri.empty()) res.set("status-uri", uri);
    std::string counts = "items=" + std::to_string(progress.items) + ", bytes=" + std::to_string(progress.bytes);
    if (progress.totals_known())
        counts += ", items-total=" + std::to_string(progress.items_total) + ", bytes-total=" + std::to_string(progress.bytes_total);
    res.set("keepdav-progress", counts + ", elapsed=" + std::to_string(elapsed.count()) + "ms");
    return res;
}

http::response<http::empty_body> early_hints_message() {
    // Beast 1.81 has no enumerator for 103, so it is spelled by number.
    http::response<http::empty_body> res{static_cast<http::status>(103), 11};
    res.reason("Early Hints");
    res.set(http::field::link, "</keepdav-hint.css>; rel=preload; as=style");
    return res;
}

http::response<http::empty_body> interim_status_message(unsigned status) {
    http::response<http::empty_body> res;
    res.version(11);
    res.result(status);
    if (status == 104) res.reason("Upload Resumption Supported"); // draft-ietf-httpbis-resumable-upload §5
    return res;
}

} // namespace keepdav::server
