// Command-line flags of sentry-sshd. Pure: defaults come in as a value so the
// parser is testable without touching the environment.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sshd {

struct Defaults {
    std::string bind = "127.0.0.1";  // $SENTRY_BIND
    int port = 2222;                  // $SENTRY_SSH_PORT
    std::string state_dir;            // $SENTRY_STATE_DIR, absolute
    std::string cli;                  // see default_cli_path()
};

struct Options {
    std::string listen_addr;
    int port = 0;
    std::string keys_dir;
    std::string mics_path;
    std::string cli_path;
    bool fips = false;  // --fips: only FIPS-approved algorithms and host keys
    bool check_config = false;
    bool show_version = false;
    bool show_help = false;
};

struct ParseResult {
    bool ok = false;
    Options options;
    std::string error;  // set when !ok; main prints it with the usage, exit 2
};

// args excludes argv[0]. Accepts "--flag value" and "--flag=value".
ParseResult parse_options(const std::vector<std::string>& args, const Defaults& defaults);

// "ADDR:PORT" or "[V6ADDR]:PORT"; port 1..65535, address non-empty, <= 255 bytes.
bool parse_listen(std::string_view s, std::string& addr, int& port);

// The shell binary: $SENTRY_CLI when set, else "<dir of sentry-sshd>/../sentry-cli",
// i.e. the build layout cli/sshd/sentry-sshd next to cli/sentry-cli.
// self_exe is the resolved /proc/self/exe.
std::string default_cli_path(std::string_view env_cli, std::string_view self_exe);

// Reads $SENTRY_BIND, $SENTRY_SSH_PORT, $SENTRY_STATE_DIR, $SENTRY_CLI, /proc/self/exe.
Defaults defaults_from_env();

std::string usage();

}  // namespace sshd
