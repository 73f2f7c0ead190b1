#include <keepdav/config.hpp>

namespace keepdav {

std::vector<std::string> default_no_processing_for() {
    // Measured on real clients (README, "Clients and 102"): these take a 102 for the final response
    // (Python's http.client family) or hang on it (Java's HttpURLConnection).
    return {"^python-requests/", "^Python-urllib/", "^Java/"};
}

} // namespace keepdav
