// First-boot TLS identity for the device listener.
#pragma once
#include <string>

namespace micsd {

// Creates a self-signed ECDSA P-256 certificate + key (0600) if either file is
// missing. CN and subjectAltName are the host name. Returns "" or the reason.
std::string ensure_self_signed(const std::string& cert_path, const std::string& key_path,
                               const std::string& hostname);

}  // namespace micsd
