#include "options.hpp"

#include "mics/cmdline.hpp"
#include "mics/paths.hpp"

#include <filesystem>

namespace sshd {

bool parse_listen(std::string_view s, std::string& addr, int& port) {
    return mics::parse_listen(s, addr, port).empty();
}

std::string default_cli_path(std::string_view env_cli, std::string_view self_exe) {
    if (!env_cli.empty()) return std::string(env_cli);
    std::filesystem::path exe(self_exe);
    return (exe.parent_path().parent_path() / "sentry-cli").string();
}

Defaults defaults_from_env() {
    Defaults d;
    d.bind = mics::env_or("SENTRY_BIND", "127.0.0.1");
    d.port = mics::env_port("SENTRY_SSH_PORT", 2222);
    d.state_dir = mics::paths_from_env().state;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    d.cli = default_cli_path(mics::env_or("SENTRY_CLI", ""), ec ? "" : exe.string());
    return d;
}

ParseResult parse_options(const std::vector<std::string>& args, const Defaults& defaults) {
    ParseResult r;
    Options& o = r.options;
    o.listen_addr = defaults.bind;
    o.port = defaults.port;
    o.keys_dir = defaults.state_dir + "/keys";
    o.mics_path = defaults.state_dir + "/run/mics.sock";
    o.cli_path = defaults.cli;

    mics::FlagReader f(args);
    while (f.next()) {
        const std::string& flag = f.flag();
        if (flag == "--listen") {
            std::string v;
            if (!f.value(v)) break;
            if (std::string why = mics::parse_listen(v, o.listen_addr, o.port); !why.empty())
                f.fail("--listen: " + why);
        } else if (flag == "--keys") {
            f.value(o.keys_dir);
        } else if (flag == "--mics") {
            f.value(o.mics_path);
        } else if (flag == "--cli") {
            f.value(o.cli_path);
        } else if (flag == "--fips") {
            o.fips = f.no_value();
        } else if (flag == "--check-config") {
            o.check_config = f.no_value();
        } else if (flag == "--version") {
            o.show_version = f.no_value();
        } else if (flag == "--help" || flag == "-h") {
            o.show_help = f.no_value();
        } else {
            f.fail("unknown option '" + flag + "'");
        }
    }
    if (!f.error().empty()) {
        r.error = f.error();
        return r;
    }
    if (o.cli_path.empty()) {
        r.error = "cannot locate sentry-cli; pass --cli PATH or set SENTRY_CLI";
        return r;
    }
    r.ok = true;
    return r;
}

std::string usage() {
    return "usage: sentry-sshd [--listen ADDR:PORT] [--keys DIR] [--mics PATH] [--cli PATH]\n"
           "                   [--fips] [--check-config] [--version] [--help]\n"
           "  --listen ADDR:PORT  address to listen on (default $SENTRY_BIND or 127.0.0.1,\n"
           "                      port $SENTRY_SSH_PORT or 2222)\n"
           "  --keys DIR          host key directory (default <state>/keys)\n"
           "  --mics PATH         MICS socket (default <state>/run/mics.sock)\n"
           "  --cli PATH          shell binary (default $SENTRY_CLI, else ../sentry-cli\n"
           "                      relative to the directory of sentry-sshd)\n"
           "  --fips              FIPS-approved algorithms only (no curve25519, chacha20,\n"
           "                      ed25519); sentry-micsd passes it when `fips` is in effect\n"
           "  --check-config      validate flags, keys and the shell binary, then exit 0 or 1\n"
           "  --version           print the version and exit\n"
           "  --help              print this help and exit\n";
}

}  // namespace sshd
