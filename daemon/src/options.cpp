#include "sentryd/options.hpp"

#include <mics/paths.hpp>
#include <mics/version.hpp>

#include <arpa/inet.h>
#include <cstdlib>

namespace sentryd {

namespace {

bool is_numeric_address(const std::string& a) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, a.c_str(), buf) == 1 || ::inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

}  // namespace

Options default_options() {
    auto paths = mics::paths_from_env();
    Options o;
    o.listen_addr = mics::env_or("SENTRY_BIND", "127.0.0.1");
    o.listen_port = mics::env_port("SENTRY_HTTPS_PORT", 4443);
    o.cert_file = paths.certs() + "/sentry.crt";
    o.key_file = paths.certs() + "/sentry.key";
    o.control_path = paths.sentryd_sock();
    return o;
}

Status parse_listen(const std::string& text, std::string& addr, int& port) {
    std::string a, p;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string::npos) return Status::fail("--listen: expected [ADDR]:PORT");
        a = text.substr(1, close - 1);
        p = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return Status::fail("--listen: expected ADDR:PORT");
        a = text.substr(0, colon);
        p = text.substr(colon + 1);
        if (a.find(':') != std::string::npos)
            return Status::fail("--listen: write IPv6 addresses as [ADDR]:PORT");
    }
    // Numeric only: resolving names at startup would make the bind depend on DNS.
    if (!is_numeric_address(a)) return Status::fail("--listen: '" + a + "' is not a numeric IP address");
    char* end = nullptr;
    long n = p.empty() ? 0 : std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || n < 1 || n > 65535)
        return Status::fail("--listen: port '" + p + "' is not in 1..65535");
    addr = a;
    port = int(n);
    return ok_status();
}

Result<Options> parse_options(const std::vector<std::string>& args, Options o) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        bool has_inline = false;
        if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_inline = true;
        }
        auto take_value = [&](std::string& out) -> Status {
            if (has_inline) {
                out = value;
            } else if (i + 1 < args.size()) {
                out = args[++i];
            } else {
                return Status::fail(flag + ": missing value");
            }
            if (out.empty()) return Status::fail(flag + ": empty value");
            return ok_status();
        };
        auto no_value = [&]() -> Status {
            return has_inline ? Status::fail(flag + ": takes no value") : ok_status();
        };

        Status st = ok_status();
        if (flag == "--listen") {
            std::string text;
            st = take_value(text);
            if (st) st = parse_listen(text, o.listen_addr, o.listen_port);
        } else if (flag == "--cert") {
            st = take_value(o.cert_file);
        } else if (flag == "--key") {
            st = take_value(o.key_file);
        } else if (flag == "--control") {
            st = take_value(o.control_path);
        } else if (flag == "--check-config") {
            st = no_value();
            o.check_config = true;
        } else if (flag == "--version") {
            st = no_value();
            o.show_version = true;
        } else if (flag == "--help" || flag == "-h") {
            st = no_value();
            o.show_help = true;
        } else {
            st = Status::fail("unknown option: " + args[i]);
        }
        if (!st) return Result<Options>::fail(st.error());
    }
    return o;
}

std::string usage_text() {
    return "usage: sentryd [--listen ADDR:PORT] [--cert FILE] [--key FILE]\n"
           "               [--control PATH] [--check-config] [--version] [--help]\n"
           "\n"
           "  --listen ADDR:PORT  device HTTPS listener ($SENTRY_BIND:$SENTRY_HTTPS_PORT,\n"
           "                      default 127.0.0.1:4443); IPv6 as [ADDR]:PORT\n"
           "  --cert FILE         PEM certificate chain ($SENTRY_STATE_DIR/certs/sentry.crt)\n"
           "  --key FILE          PEM private key ($SENTRY_STATE_DIR/certs/sentry.key)\n"
           "  --control PATH      control socket ($SENTRY_STATE_DIR/run/sentryd.sock)\n"
           "  --check-config      load and check certificate and key, then exit 0 or 1\n"
           "  --version           print the version and exit\n"
           "  --help              print this help and exit\n";
}

std::string version_text() {
    return std::string("sentryd (") + mics::kProductName + ") " + mics::kVersion + " (" +
           mics::kGitDescribe + ", built " + mics::kBuildDate + ")\n";
}

}  // namespace sentryd
