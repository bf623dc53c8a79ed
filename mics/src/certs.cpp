#include "certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

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

// Writes via a temp file and rename so a crash never leaves half a key.
bool write_pem(const std::string& path, mode_t mode, bool (*writer)(FILE*, void*), void* obj) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return false;
    FILE* f = ::fdopen(fd, "w");
    if (!f) {
        ::close(fd);
        return false;
    }
    bool ok = writer(f, obj);
    ok = (std::fflush(f) == 0) && ok && ::fsync(fd) == 0;
    std::fclose(f);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

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

    auto key_writer = [](FILE* f, void* k) {
        return PEM_write_PrivateKey(f, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    };
    auto cert_writer = [](FILE* f, void* c) { return PEM_write_X509(f, static_cast<X509*>(c)) == 1; };
    if (!write_pem(key_path, 0600, key_writer, key.get())) return "cannot write " + key_path;
    if (!write_pem(cert_path, 0644, cert_writer, cert.get())) return "cannot write " + cert_path;
    return {};
}

}  // namespace micsd
