#include "certs.hpp"

#include "files.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <sys/stat.h>

namespace micsd {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool add_ext(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return false;
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// PEM text of an object, rendered in memory so files.hpp's atomic writer stores it.
template <typename T>
std::string pem(int (*writer)(BIO*, const T*), const T* obj) {
    BIO* b = BIO_new(BIO_s_mem());
    if (!b) return {};
    std::string out;
    if (writer(b, obj) == 1) {
        char* data = nullptr;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0) out.assign(data, std::size_t(n));
    }
    BIO_free(b);
    return out;
}

int write_key(BIO* b, const EVP_PKEY* k) { return PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr); }

}  // namespace

std::string ensure_self_signed(const std::string& cert_path, const std::string& key_path,
                               const std::string& hostname) {
    struct stat st{};
    if (::stat(cert_path.c_str(), &st) == 0 && ::stat(key_path.c_str(), &st) == 0) return {};

    PKey key(EVP_EC_gen("P-256"));
    if (!key) return "cannot generate an ECDSA P-256 key";
    Cert cert(X509_new());
    if (!cert) return "out of memory";
    X509_set_version(cert.get(), 2);
    // Random 64-bit positive serial: browsers reject reused serials for one issuer.
    unsigned char serial[8];
    if (RAND_bytes(serial, sizeof serial) != 1) return "no entropy for the certificate serial";
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);  // CA/B maximum
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Sentry"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    std::string san = "DNS:" + hostname + ",DNS:localhost,IP:127.0.0.1";
    if (!add_ext(cert.get(), NID_subject_alt_name, san.c_str()) ||
        !add_ext(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert.get(), NID_key_usage, "critical,digitalSignature") ||
        !add_ext(cert.get(), NID_ext_key_usage, "serverAuth"))
        return "cannot add certificate extensions";
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return "cannot sign certificate";

    std::string key_pem = pem(write_key, key.get());
    std::string cert_pem = pem(PEM_write_bio_X509, cert.get());
    if (key_pem.empty() || cert_pem.empty()) return "cannot encode the certificate or key";
    bool key_ok = write_file_atomic(key_path, key_pem, 0600);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());  // the private key must not linger in freed memory
    if (!key_ok) return "cannot write " + key_path;
    if (!write_file_atomic(cert_path, cert_pem, 0644)) return "cannot write " + cert_path;
    return {};
}

}  // namespace micsd
