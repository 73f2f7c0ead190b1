#include "dav/spool.hpp"

#include "fs/io.hpp"

#include <boost/beast/http/field.hpp>

namespace keepdav::dav {

void spool::write(std::string_view data) {
    if (error_) return;
    memory_.append(data);
    if (memory_.size() >= memory_limit) flush();
}

void spool::flush() {
    if (memory_.empty() || error_) return;
    if (!file_) {
        auto file = fs::open_scratch_file(directory_);
        if (!file) {
            error_ = file.error();
            return;
        }
        file_ = std::make_shared<fs::unique_fd>(std::move(*file));
    }
    if ((error_ = fs::pwrite_all(file_->get(), memory_.data(), memory_.size(), file_size_))) return;
    file_size_ += memory_.size();
    memory_.clear();
}

boost::system::error_code spool::finish(reply& r) {
    if (!file_) {
        r.body = std::move(memory_);
        return error_;
    }
    flush();
    r.body = file_range{file_, 0, file_size_};
    return error_;
}

reply multistatus_reply(spool& body) {
    reply r;
    r.status = http::status::multi_status;
    r.fields.set(http::field::content_type, "application/xml; charset=utf-8");
    if (body.finish(r)) return error_reply(http::status::insufficient_storage, "cannot spool the response");
    r.chunked = std::holds_alternative<std::string>(r.body);
    return r;
}

} // namespace keepdav::dav
