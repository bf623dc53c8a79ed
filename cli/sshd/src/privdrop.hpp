// Dropping root for good (OpenSSH's permanently_set_uid): used before a
// connection child reads network input and again, defensively, before exec
// of the shell.
#pragma once
#include <string>
#include <sys/types.h>

namespace sshd {

struct Unprivileged {
    uid_t uid = 0;
    gid_t gid = 0;
};

// Looks up `nobody` (its primary group). False when it does not exist.
bool lookup_unprivileged(Unprivileged& out, std::string& err);

// If running as root: setgroups(0), setresgid, setresuid, then verifies that
// root cannot be regained. No-op when not root. False means do not continue.
bool drop_root(const Unprivileged& to, std::string& err);

}  // namespace sshd
