#include "tls_context.hpp"

#include <mics/log.hpp>

#include <boost/asio/ssl/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace sentryd {

namespace ssl = boost::asio::ssl;
using CtxResult = Result<std::shared_ptr<ssl::context>>;

namespace {

// TLS 1.2 suites: forward secrecy (ECDHE) and AEAD only. TLS 1.3 suites are
// all AEAD with forward secrecy, so OpenSSL's defaults stay.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

std::string openssl_error() {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (!e) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

// Weak keys would fail the STIG checks; refuse them rather than serve.
std::string check_key_strength(SSL_CTX* ctx) {
    EVP_PKEY* pkey = SSL_CTX_get0_privatekey(ctx);
    if (!pkey) return "no private key loaded";
    int bits = EVP_PKEY_get_bits(pkey);
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA && bits < 2048)
        return "RSA key of " + std::to_string(bits) + " bits is too weak (minimum 2048)";
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC && bits < 256)
        return "EC key of " + std::to_string(bits) + " bits is too weak (minimum 256)";
    return {};
}

void warn_validity(SSL_CTX* ctx, const std::string& cert_file) {
    X509* cert = SSL_CTX_get0_certificate(ctx);
    if (!cert) return;
    // An expired certificate is reported, not refused: the administrator may
    // be about to replace it, and refusing to start would hide the listener.
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
        mics::log_warn(cert_file + ": certificate has expired");
    if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
        mics::log_warn(cert_file + ": certificate is not yet valid");
}

// Asio reports OpenSSL failures as "asio.ssl error"; the packed ERR code in
// the value has the useful text (e.g. "no start line" for a non-PEM file).
std::string describe(const boost::system::error_code& ec) {
    if (ec.category() == boost::asio::error::get_ssl_category()) {
        char buf[256];
        ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
        return buf;
    }
    return ec.message();
}

// Unreadable files get the plain errno text before OpenSSL sees them.
std::string readable(const std::string& file) {
    std::FILE* f = std::fopen(file.c_str(), "r");
    if (!f) return std::strerror(errno);
    std::fclose(f);
    return {};
}

}  // namespace

CtxResult make_tls_context(const std::string& cert_file, const std::string& key_file) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    boost::system::error_code ec;

    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                         ssl::context::single_dh_use,
                     ec);
    if (ec) return CtxResult::fail("TLS options: " + ec.message());
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        return CtxResult::fail("TLS minimum version: " + openssl_error());
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
        return CtxResult::fail("TLS cipher list: " + openssl_error());
    if (SSL_CTX_set1_groups_list(native, "X25519:P-256:P-384") != 1)
        return CtxResult::fail("TLS groups: " + openssl_error());

    if (auto err = readable(cert_file); !err.empty()) return CtxResult::fail(cert_file + ": " + err);
    if (auto err = readable(key_file); !err.empty()) return CtxResult::fail(key_file + ": " + err);
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec) return CtxResult::fail(cert_file + ": cannot load certificate: " + describe(ec));
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) return CtxResult::fail(key_file + ": cannot load private key: " + describe(ec));
    if (SSL_CTX_check_private_key(native) != 1)
        return CtxResult::fail(key_file + ": private key does not match " + cert_file);
    if (auto weak = check_key_strength(native); !weak.empty())
        return CtxResult::fail(key_file + ": " + weak);
    warn_validity(native, cert_file);
    return ctx;
}

}  // namespace sentryd
