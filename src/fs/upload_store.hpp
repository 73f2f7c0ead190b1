#pragma once
// The partial uploads of resumable uploads, kept in the state directory (never under a served root,
// so never listed or served): per upload, its bytes so far and a small record of what it is for.
// Both survive a restart; an upload untouched for longer than the expiry is forgotten.
#include "fs/tree.hpp"
#include "fs/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace keepdav::fs {

/** What the store keeps of one upload besides its bytes. */
struct upload_record {
    std::string id;     ///< 32 hex digits, unguessable (draft-ietf-httpbis-resumable-upload §9)
    std::string owner;  ///< the user who created it ("" without users)
    std::string target; ///< the request-target of the request that created it
    /** Fields of the creating request that its commit replays (If, If-Match, X-OC-Mtime, ...). */
    std::vector<std::pair<std::string, std::string>> fields;
    std::optional<std::uint64_t> length; ///< the whole upload's length, once the client said it
    bool complete = false;               ///< committed: its bytes are gone, the record stays until expiry
    bool operator==(const upload_record&) const = default;
};

class upload_store {
public:
    using clock = std::chrono::system_clock;
    /** Keeps uploads in `dir` (created, mode 0700); one untouched for `expiry` is forgotten. */
    upload_store(std::filesystem::path dir, std::chrono::seconds expiry);

    /** A new upload with an empty body: `r.id` is set here. */
    result<upload_record> create(upload_record r);
    /** The upload `id` (nothing when unknown, malformed or expired: an expired one is removed now). */
    std::optional<upload_record> find(std::string_view id, clock::time_point now = clock::now());
    /** Its bytes so far, open for appending (O_APPEND) or for reading. */
    result<unique_fd> open_data(std::string_view id, bool append);
    /** How many bytes it holds: the upload's offset (draft §4.1.1). */
    result<std::uint64_t> offset(std::string_view id);
    /** Writes the record anew (in one step: a crash leaves the old record or the new). */
    error_code save(const upload_record& r);
    /** Marks it committed: its bytes go, its record answers HEAD until it expires. */
    error_code mark_complete(upload_record& r);
    /** Forgets it, bytes and record. */
    void remove(std::string_view id);
    /** Forgets every expired upload; answers how many. */
    std::size_t sweep(clock::time_point now = clock::now());
    /** Seconds left before `id` expires if nothing touches it (Upload-Limit max-age). */
    std::uint64_t seconds_left(std::string_view id, clock::time_point now = clock::now());
    std::chrono::seconds expiry() const { return expiry_; }

    /** The record as stored (a line per item), and back; exposed for the tests. */
    static std::string encode(const upload_record& r);
    static std::optional<upload_record> decode(std::string_view text);

private:
    std::filesystem::path path_of(std::string_view id, const char* suffix) const;
    std::optional<clock::time_point> touched(std::string_view id);
    std::filesystem::path dir_;
    std::chrono::seconds expiry_;
    std::mutex sweep_mutex_; ///< one sweep at a time
};

/** Whether `id` has the form of an upload id (so it can name a file in the store safely). */
bool is_upload_id(std::string_view id);

} // namespace keepdav::fs
