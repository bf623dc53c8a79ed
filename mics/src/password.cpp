#include "password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

namespace micsd {

std::string hash_password(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    // count 0 = libxcrypt's default cost for yescrypt.
    if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, salt, sizeof salt)) return {};
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof(crypt_data));
    const char* h = crypt_r(password.c_str(), salt, data.get());
    if (!h || h[0] == '*') return {};
    return h;
}

bool verify_password(const std::string& password, const std::string& hash) {
    if (hash.empty()) return false;
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof(crypt_data));
    const char* h = crypt_r(password.c_str(), hash.c_str(), data.get());
    if (!h || h[0] == '*') return false;
    std::size_t n = std::strlen(h);
    return n == hash.size() && CRYPTO_memcmp(h, hash.data(), n) == 0;
}

void burn_dummy_verify(const std::string& password) {
    static const std::string dummy = hash_password("dummy-password-for-timing");
    (void)verify_password(password, dummy);
}

std::string random_password(std::size_t len) {
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const std::size_t n = sizeof alphabet - 1;
    std::string out;
    while (out.size() < len) {
        unsigned char b;
        if (RAND_bytes(&b, 1) != 1) return {};
        // Rejection sampling keeps the distribution uniform.
        if (b >= 256 - (256 % n)) continue;
        out.push_back(alphabet[b % n]);
    }
    return out;
}

}  // namespace micsd
