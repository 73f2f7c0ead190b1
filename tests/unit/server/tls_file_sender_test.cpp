// record_batch with no socket: a TLS client and server joined by memory BIOs, the server's records
// made in batches, read back by the client; the server's own write BIO is as it was after each batch.
#include "server/tls_file_sender.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

using keepdav::server::record_batch;

namespace {

template <class T, void (*Free)(T*)>
struct freer {
    void operator()(T* p) const { Free(p); }
};
using ssl_ptr = std::unique_ptr<SSL, freer<SSL, SSL_free>>;
using ctx_ptr = std::unique_ptr<SSL_CTX, freer<SSL_CTX, SSL_CTX_free>>;

/** A server context with a fresh self-signed P-256 certificate. */
ctx_ptr server_context() {
    ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
    std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>> key(EVP_EC_gen("P-256"));
    std::unique_ptr<X509, freer<X509, X509_free>> cert(X509_new());
    REQUIRE((ctx && key && cert));
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    REQUIRE(SSL_CTX_use_certificate(ctx.get(), cert.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx.get(), key.get()) == 1);
    return ctx;
}

/** Everything pending in a memory BIO. */
std::string drain(BIO* bio) {
    std::string out;
    char buffer[16384];
    for (int n; (n = BIO_read(bio, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
    return out;
}

/**
 * Two ends joined by memory BIOs; the server's SSL sits on a BIO pair, as Asio's engine puts it
 * (`server_net` is the pair's outer half, what Asio reads records from and writes records to).
 */
struct tls_pair {
    ctx_ptr server_ctx = server_context();
    ctx_ptr client_ctx{SSL_CTX_new(TLS_client_method())};
    ssl_ptr server{SSL_new(server_ctx.get())}, client{SSL_new(client_ctx.get())};
    BIO* server_net = nullptr;
    BIO* to_client = BIO_new(BIO_s_mem()); // owned by the client's SSL
    BIO* from_client = BIO_new(BIO_s_mem());

    tls_pair() {
        BIO* inner = nullptr;
        REQUIRE(BIO_new_bio_pair(&inner, 0, &server_net, 0) == 1);
        SSL_set_bio(server.get(), inner, inner);
        SSL_set_bio(client.get(), to_client, from_client);
        SSL_set_accept_state(server.get());
        SSL_set_connect_state(client.get());
        SSL_set_mode(server.get(), SSL_MODE_ENABLE_PARTIAL_WRITE); // as Asio's engine does
        for (int round = 0; round < 10 && !(SSL_is_init_finished(server.get()) && SSL_is_init_finished(client.get())); ++round) {
            SSL_do_handshake(client.get());
            pass(from_client, server_net);
            SSL_do_handshake(server.get());
            pass(server_net, to_client);
        }
        REQUIRE(SSL_is_init_finished(server.get()));
        REQUIRE(SSL_is_init_finished(client.get()));
    }
    ~tls_pair() { BIO_free(server_net); }
    static void pass(BIO* from, BIO* to) {
        auto bytes = drain(from);
        if (!bytes.empty()) BIO_write(to, bytes.data(), static_cast<int>(bytes.size()));
    }
    /** Hands `records` to the client and reads what it decrypts. */
    std::string client_reads(const std::string& records) {
        BIO_write(to_client, records.data(), static_cast<int>(records.size()));
        std::string out;
        char buffer[16384];
        for (std::size_t n; SSL_read_ex(client.get(), buffer, sizeof buffer, &n) == 1;) out.append(buffer, n);
        return out;
    }
};

} // namespace

TEST_CASE("a record batch holds a file piece as records the peer decrypts, and leaves the connection's own BIO in place",
          "[unit][server][tls]") {
    tls_pair tls;
    (void)tls.client_reads(drain(tls.server_net)); // session tickets and the like, sent after the handshake
    std::string piece(256 * 1024 + 123, '\0');
    for (std::size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>(i * 7 + i / 4096);

    record_batch batch;
    BIO* own = SSL_get_wbio(tls.server.get());
    REQUIRE_FALSE(batch.encrypt(tls.server.get(), piece.data(), piece.size()));
    CHECK(SSL_get_wbio(tls.server.get()) == own);
    CHECK(BIO_pending(tls.server_net) == 0); // nothing went the connection's own way
    auto records = batch.records();
    std::string sent(static_cast<const char*>(records.data()), records.size());
    CHECK(sent.size() > piece.size()); // 17 records, each with its header and tag
    CHECK(tls.client_reads(sent) == piece);

    SECTION("the next batch starts empty") {
        batch.clear();
        REQUIRE_FALSE(batch.encrypt(tls.server.get(), "tail", 4));
        auto more = batch.records();
        CHECK(tls.client_reads(std::string(static_cast<const char*>(more.data()), more.size())) == "tail");
    }
    SECTION("the connection's own writes go on as before") {
        std::size_t written = 0;
        REQUIRE(SSL_write_ex(tls.server.get(), "after", 5, &written) == 1);
        CHECK(tls.client_reads(drain(tls.server_net)) == "after");
    }
    SECTION("with records of the connection's own not yet sent, a batch is refused, never put before them") {
        std::size_t written = 0;
        REQUIRE(SSL_write_ex(tls.server.get(), "first", 5, &written) == 1); // still in the pair
        batch.clear();
        CHECK(batch.encrypt(tls.server.get(), "second", 6));
        CHECK(batch.records().size() == 0);
        CHECK(SSL_get_wbio(tls.server.get()) == own);
        CHECK(tls.client_reads(drain(tls.server_net)) == "first");
    }
}
