#include "options.hpp"

#include "mics/paths.hpp"

#include <charconv>
#include <filesystem>

namespace sshd {

bool parse_listen(std::string_view s, std::string& addr, int& port) {
    std::string_view host, p;
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
            return false;
        host = s.substr(1, close - 1);
        p = s.substr(close + 2);
    } else {
        auto colon = s.rfind(':');
        if (colon == std::string_view::npos) return false;
        host = s.substr(0, colon);
        p = s.substr(colon + 1);
        // A bare IPv6 address without brackets is ambiguous; refuse it.
        if (host.find(':') != std::string_view::npos) return false;
    }
    if (host.empty() || host.size() > 255 || p.empty() || p.size() > 5) return false;
    int v = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || ptr != p.data() + p.size() || v < 1 || v > 65535) return false;
    addr = std::string(host);
    port = v;
    return true;
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

    constexpr std::size_t kMaxArg = 4096;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        bool has_inline = false;
        if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_inline = true;
        }
        auto take_value = [&](std::string& out) -> bool {
            if (!has_inline) {
                if (i + 1 >= args.size()) {
                    r.error = "option " + flag + " needs a value";
                    return false;
                }
                value = args[++i];
            }
            if (value.empty() || value.size() > kMaxArg) {
                r.error = "option " + flag + ": bad value";
                return false;
            }
            out = value;
            return true;
        };
        auto no_value = [&]() -> bool {
            if (has_inline) r.error = "option " + flag + " takes no value";
            return !has_inline;
        };

        if (flag == "--listen") {
            std::string v;
            if (!take_value(v)) return r;
            if (!parse_listen(v, o.listen_addr, o.port)) {
                r.error = "--listen: expected ADDR:PORT or [ADDR]:PORT, got '" + v + "'";
                return r;
            }
        } else if (flag == "--keys") {
            if (!take_value(o.keys_dir)) return r;
        } else if (flag == "--mics") {
            if (!take_value(o.mics_path)) return r;
        } else if (flag == "--cli") {
            if (!take_value(o.cli_path)) return r;
        } else if (flag == "--check-config") {
            if (!no_value()) return r;
            o.check_config = true;
        } else if (flag == "--version") {
            if (!no_value()) return r;
            o.show_version = true;
        } else if (flag == "--help" || flag == "-h") {
            if (!no_value()) return r;
            o.show_help = true;
        } else {
            r.error = "unknown option '" + flag + "'";
            return r;
        }
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
           "                   [--check-config] [--version] [--help]\n"
           "  --listen ADDR:PORT  address to listen on (default $SENTRY_BIND or 127.0.0.1,\n"
           "                      port $SENTRY_SSH_PORT or 2222)\n"
           "  --keys DIR          host key directory (default <state>/keys)\n"
           "  --mics PATH         MICS socket (default <state>/run/mics.sock)\n"
           "  --cli PATH          shell binary (default $SENTRY_CLI, else ../sentry-cli\n"
           "                      relative to the directory of sentry-sshd)\n"
           "  --check-config      validate flags, keys and the shell binary, then exit 0 or 1\n"
           "  --version           print the version and exit\n"
           "  --help              print this help and exit\n";
}

}  // namespace sshd
