// Host keys: created once under <keys>/ (dir 0700, files 0600) and loaded at
// every start, so the fingerprint clients pinned stays valid across restarts.
#pragma once
#include <libssh/libssh.h>

#include <string>
#include <vector>

namespace sshd {

struct HostKeySpec {
    const char* file;   // ssh_host_<type>_key
    ssh_keytypes_e type;
    int bits;           // RSA modulus / ECDSA curve size, 0 for Ed25519
};

const std::vector<HostKeySpec>& host_key_specs();

// Generates missing keys (unless check_only) and loads all of them.
// On success, keys has one loaded key per spec (caller frees with ssh_key_free).
bool load_host_keys(const std::string& dir, bool check_only, std::vector<ssh_key>& keys,
                    std::string& err);

// "SHA256:..." of a key, for the startup log line.
std::string fingerprint(ssh_key key);

// "<type> <base64>" of a public key as authorized_keys writes it (and as
// MICS stores `username u ssh-key`); "" if it cannot be exported or is over
// 8300 characters.
std::string public_key_line(ssh_key key);

}  // namespace sshd
