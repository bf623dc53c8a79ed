// The key text sentry-sshd sends to MICS for public key login must be the
// authorized_keys form an administrator pastes into `username u ssh-key`.
#include "host_keys.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

std::string line_of(ssh_keytypes_e type, int bits) {
    ssh_key key = nullptr;
    REQUIRE(ssh_pki_generate(type, bits, &key) == SSH_OK);
    ssh_key pub = nullptr;
    REQUIRE(ssh_pki_export_privkey_to_pubkey(key, &pub) == SSH_OK);
    std::string out = sshd::public_key_line(pub);
    ssh_key_free(pub);
    ssh_key_free(key);
    return out;
}

}  // namespace

TEST_CASE("public_key_line gives '<type> <base64>' as in authorized_keys") {
    std::string ed = line_of(SSH_KEYTYPE_ED25519, 0);
    CHECK(ed.rfind("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 0) == 0);
    CHECK(ed.find(' ', 12) == std::string::npos);  // no comment
    std::string ec = line_of(SSH_KEYTYPE_ECDSA_P256, 256);
    CHECK(ec.rfind("ecdsa-sha2-nistp256 AAAAE2VjZHNh", 0) == 0);
    CHECK(sshd::public_key_line(nullptr).empty());
}
