#include "server/tls_file_sender.hpp"

#include <boost/asio/ssl/error.hpp>

#include <new>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace keepdav::server {

namespace {

int append_records(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
    try { // no exception may cross OpenSSL's C frames
        static_cast<std::string*>(BIO_get_data(bio))->append(data, size);
    } catch (...) {
        return 0;
    }
    *written = size;
    return 1;
}

/** Puts the connection's own write BIO back however the batch ends. */
struct write_bio_swap {
    SSL* ssl;
    BIO* own;
    write_bio_swap(SSL* s, BIO* batch) : ssl(s), own(SSL_get_wbio(s)) {
        // SSL_set0_wbio takes one reference of the BIO it is given and drops one of the BIO it
        // replaces: with one more of each taken here, the connection's own BIO (Asio's, its read BIO
        // as well) and the batch's both outlive the swap and the swap back.
        BIO_up_ref(own);
        BIO_up_ref(batch);
        SSL_set0_wbio(ssl, batch);
    }
    ~write_bio_swap() { SSL_set0_wbio(ssl, own); }
    write_bio_swap(const write_bio_swap&) = delete;
    write_bio_swap& operator=(const write_bio_swap&) = delete;
};

/** Flushing is done by the socket write that follows; nothing else (kernel TLS included) is offered. */
long control(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

BIO_METHOD* record_batch_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "keepdav record batch");
        if (!m || !BIO_meth_set_write_ex(m, append_records) || !BIO_meth_set_ctrl(m, control)) throw std::bad_alloc();
        return m;
    }();
    return method;
}

boost::system::error_code last_ssl_error() {
    unsigned long e = ERR_get_error();
    if (e == 0) return make_error_code(net::ssl::error::unspecified_system_error);
    return {static_cast<int>(e), net::error::get_ssl_category()};
}

} // namespace

record_batch::record_batch() : bio_(BIO_new(record_batch_method())) {
    if (!bio_) throw std::bad_alloc();
    BIO_set_data(bio_, &records_);
    BIO_set_init(bio_, 1);
}

record_batch::~record_batch() { BIO_free(bio_); }

boost::system::error_code record_batch::encrypt(SSL* ssl, const char* data, std::size_t size) {
    // Records waiting in the connection's own BIO pair would have to leave before the batch: Asio flushes
    // them before a write of the stream completes, so there are none unless a read is in flight,
    // which async_write_reply rules out. Refused rather than sent out of order.
    if (BIO_ctrl_wpending(SSL_get_wbio(ssl)) != 0) return make_error_code(net::error::try_again);
    ERR_clear_error();
    write_bio_swap swap(ssl, bio_);
    while (size > 0) {
        // Asio asks for partial writes (SSL_MODE_ENABLE_PARTIAL_WRITE): a call writes one record.
        std::size_t written = 0;
        if (SSL_write_ex(ssl, data, size, &written) != 1) return last_ssl_error();
        data += written;
        size -= written;
    }
    return {};
}

net::const_buffer record_batch::records() const { return net::buffer(records_); }

void record_batch::clear() { records_.clear(); }

} // namespace keepdav::server
