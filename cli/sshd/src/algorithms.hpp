// The SSH algorithm policy of sentry-sshd: one table, so that the FIPS switch
// (`fips`, passed as --fips at start) only has to filter it, and the man page
// can be checked against it.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace sshd {

// pubkey: signature algorithms accepted for users' keys (`username u ssh-key`).
enum class AlgoKind { kex, cipher, mac, hostkey, pubkey };

struct Algorithm {
    AlgoKind kind;
    std::string_view name;  // IANA / OpenSSH name as negotiated on the wire
    bool fips;              // FIPS 140-3 approved (NIST curves, AES, SHA-2, RSA)
};

// In order of preference within each kind.
std::span<const Algorithm> algorithm_table();

// Comma-separated list for libssh's ssh_bind_options_set, in table order.
// fips_only keeps only the approved entries.
std::string algorithm_list(AlgoKind kind, bool fips_only = false);

}  // namespace sshd
