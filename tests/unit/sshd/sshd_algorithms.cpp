#include "algorithms.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace sshd;

TEST_CASE("sshd algorithm lists are the documented modern set, in preference order") {
    CHECK(algorithm_list(AlgoKind::kex) ==
          "curve25519-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
          "diffie-hellman-group16-sha512,diffie-hellman-group14-sha256");
    CHECK(algorithm_list(AlgoKind::cipher) ==
          "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
          "aes256-ctr,aes128-ctr");
    CHECK(algorithm_list(AlgoKind::mac) ==
          "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512");
    CHECK(algorithm_list(AlgoKind::hostkey) ==
          "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256");
    CHECK(algorithm_list(AlgoKind::pubkey) ==
          "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256");
}

TEST_CASE("sshd FIPS filter drops curve25519, chacha20 and ed25519 and keeps every kind usable") {
    CHECK(algorithm_list(AlgoKind::kex, true).find("curve25519") == std::string::npos);
    CHECK(algorithm_list(AlgoKind::cipher, true).find("chacha20") == std::string::npos);
    CHECK(algorithm_list(AlgoKind::hostkey, true).find("ed25519") == std::string::npos);
    CHECK(algorithm_list(AlgoKind::pubkey, true).find("ed25519") == std::string::npos);
    // Exactly the approved set of the issue: AES-GCM/CTR, HMAC-SHA2, ECDH
    // P-256/384, DH group 14/16 with SHA-2, RSA-SHA2 / ECDSA host keys.
    CHECK(algorithm_list(AlgoKind::kex, true) ==
          "ecdh-sha2-nistp256,ecdh-sha2-nistp384,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256");
    CHECK(algorithm_list(AlgoKind::cipher, true) ==
          "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr");
    CHECK(algorithm_list(AlgoKind::hostkey, true) == "ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256");
    for (auto k : {AlgoKind::kex, AlgoKind::cipher, AlgoKind::mac, AlgoKind::hostkey, AlgoKind::pubkey})
        CHECK_FALSE(algorithm_list(k, true).empty());
}

TEST_CASE("sshd algorithm table has no weak or duplicate entries") {
    std::set<std::pair<AlgoKind, std::string_view>> seen;
    for (const auto& a : algorithm_table()) {
        CHECK(seen.insert({a.kind, a.name}).second);
        for (auto weak : {"cbc", "sha1", "md5", "3des", "arcfour", "ssh-rsa", "group1-"})
            CHECK(a.name.find(weak) == std::string_view::npos);
    }
}
