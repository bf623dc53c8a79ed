#include "algorithms.hpp"

#include <array>

namespace sshd {

namespace {
// Curve25519, ChaCha20 and Ed25519 are not in the OpenSSL 3.0 FIPS provider,
// so they are marked non-FIPS even though they are the preferred defaults.
constexpr std::array kTable = {
    Algorithm{AlgoKind::kex, "curve25519-sha256", false},
    Algorithm{AlgoKind::kex, "ecdh-sha2-nistp256", true},
    Algorithm{AlgoKind::kex, "ecdh-sha2-nistp384", true},
    Algorithm{AlgoKind::kex, "diffie-hellman-group16-sha512", true},
    Algorithm{AlgoKind::kex, "diffie-hellman-group14-sha256", true},
    Algorithm{AlgoKind::cipher, "chacha20-poly1305@openssh.com", false},
    Algorithm{AlgoKind::cipher, "aes256-gcm@openssh.com", true},
    Algorithm{AlgoKind::cipher, "aes128-gcm@openssh.com", true},
    Algorithm{AlgoKind::cipher, "aes256-ctr", true},
    Algorithm{AlgoKind::cipher, "aes128-ctr", true},
    Algorithm{AlgoKind::mac, "hmac-sha2-256-etm@openssh.com", true},
    Algorithm{AlgoKind::mac, "hmac-sha2-512-etm@openssh.com", true},
    Algorithm{AlgoKind::mac, "hmac-sha2-256", true},
    Algorithm{AlgoKind::mac, "hmac-sha2-512", true},
    Algorithm{AlgoKind::hostkey, "ssh-ed25519", false},
    Algorithm{AlgoKind::hostkey, "ecdsa-sha2-nistp256", true},
    Algorithm{AlgoKind::hostkey, "rsa-sha2-512", true},
    Algorithm{AlgoKind::hostkey, "rsa-sha2-256", true},
    Algorithm{AlgoKind::pubkey, "ssh-ed25519", false},
    Algorithm{AlgoKind::pubkey, "ecdsa-sha2-nistp256", true},
    Algorithm{AlgoKind::pubkey, "ecdsa-sha2-nistp384", true},
    Algorithm{AlgoKind::pubkey, "ecdsa-sha2-nistp521", true},
    Algorithm{AlgoKind::pubkey, "rsa-sha2-512", true},
    Algorithm{AlgoKind::pubkey, "rsa-sha2-256", true},
};
}  // namespace

std::span<const Algorithm> algorithm_table() { return kTable; }

std::string algorithm_list(AlgoKind kind, bool fips_only) {
    std::string out;
    for (const auto& a : kTable) {
        if (a.kind != kind || (fips_only && !a.fips)) continue;
        if (!out.empty()) out += ',';
        out += a.name;
    }
    return out;
}

}  // namespace sshd
