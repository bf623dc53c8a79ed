// Password hashing: yescrypt ($y$) through libxcrypt, salted and slow.
#pragma once
#include <string>

namespace micsd {

// Returns "" on failure (no entropy / unsupported), never a weak fallback.
std::string hash_password(const std::string& password);
// Constant-time check of password against a stored hash.
bool verify_password(const std::string& password, const std::string& hash);
// Runs a verification against a fixed dummy hash so that an unknown user costs
// the same time as a wrong password.
void burn_dummy_verify(const std::string& password);
// Random printable password for first boot (no look-alike characters).
std::string random_password(std::size_t len);

}  // namespace micsd
