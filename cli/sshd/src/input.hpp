// Bounds and checks on everything sentry-sshd takes from the network or from
// MICS before it is used. Pure functions, unit-tested.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace sshd {

inline constexpr std::size_t kMaxUser = 64;
inline constexpr std::size_t kMaxPassword = 128;
inline constexpr std::size_t kMaxCommand = 4096;
inline constexpr std::size_t kMaxTerm = 64;
inline constexpr std::size_t kMaxEnvValue = 64;
inline constexpr std::size_t kMaxBanner = 8192;
inline constexpr int kMaxAuthAttempts = 3;

// Non-empty, <= kMaxUser, printable ASCII without spaces.
bool valid_user(std::string_view user);
// <= kMaxPassword and no NUL (it travels as a JSON string).
bool valid_password(std::string_view pw);
// Exec command: non-empty, <= kMaxCommand, no NUL / newline (one command).
bool valid_command(std::string_view cmd);
// TERM value from pty-req or env: [A-Za-z0-9._+-], <= kMaxTerm; else "".
std::string safe_term(std::string_view term);
// Only TERM and LANG pass from the client into the shell's environment.
bool env_allowed(std::string_view name, std::string_view value);

// For log lines: printable ASCII, others as '?', cut at max bytes.
std::string printable(std::string_view s, std::size_t max = 64);

struct SshSettings {
    std::string banner;
    int max_sessions = 5;
    int grace_time_s = 60;
    int idle_timeout_min = 0;
    bool enabled = true;
};

// Parses the `ssh.settings` reply data; missing or out-of-range fields keep
// their defaults (max_sessions 1..100, grace_time_s 1..600). The banner is cut
// at kMaxBanner and ends with a newline when not empty.
SshSettings parse_ssh_settings(std::string_view data_json);

// Args of `auth.login` as JSON text.
std::string login_args(std::string_view user, std::string_view password, std::string_view source);

std::string max_sessions_message(int max);

}  // namespace sshd
