// One MICS connection = one session. Privilege lives here, in MICS, and only
// changes through auth.login / session.enable / session.disable.
#pragma once
#include <string>
#include <sys/types.h>

namespace micsd {

enum class Mode { exec, config };

struct Session {
    std::string id;            // random, for audit correlation
    uid_t peer_uid = 0;
    pid_t peer_pid = 0;
    bool trusted = false;      // peer is root or MICS's own uid and not yet a user session
    bool authenticated = false;
    std::string user;
    std::string source;        // client address as reported by sshd, or "console"
    int privilege = 0;         // 0 none, 1 EXEC, 15 PRIVILEGED
    Mode mode = Mode::exec;
    // A configuration sub-mode's name ("config-if") while mode is config, for
    // the audit trail; "" otherwise. MICS's checks see only `mode`.
    std::string submode;
    // Logged in as a local account (auth.login / auth.pubkey): failed enable
    // attempts count toward that account's lockout. The console is not.
    bool account = false;
    // Set by sentry-sshd before it hands the connection to its unprivileged
    // pre-auth child: until a login succeeds only hello and auth.login pass.
    bool login_only = false;
};

inline const char* mode_name(Mode m) { return m == Mode::config ? "config" : "exec"; }
inline std::string mode_label(const Session& s) {
    return s.mode == Mode::config && !s.submode.empty() ? s.submode : mode_name(s.mode);
}

}  // namespace micsd
