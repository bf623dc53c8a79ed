// One SSH connection, run in its own forked process (so a misbehaving client
// only ever takes down its own process). It authenticates through MICS and
// then relays one channel to a sentry-cli child.
#pragma once
#include "input.hpp"
#include "privdrop.hpp"

#include "mics/client.hpp"

#include <libssh/libssh.h>
#include <string>

namespace sshd {

struct ConnectionConfig {
    std::string cli_path;
    std::string peer_ip;
    SshSettings settings;
    bool mics_ok = false;      // false: refuse every login (fail closed)
    int ctrl_fd = -1;          // SOCK_SEQPACKET to the listener (session slots)
    Unprivileged unprivileged;
};

// Takes over the accepted session and the (still unauthenticated, trusted)
// MICS connection. Returns the process exit code.
int run_connection(ssh_session session, mics::Client mics, const ConnectionConfig& cfg);

}  // namespace sshd
