#include "sentryd/options.hpp"

#include <mics/cmdline.hpp>
#include <mics/paths.hpp>
#include <mics/version.hpp>


namespace sentryd {

Options default_options() {
    auto paths = mics::paths_from_env();
    Options o;
    o.listen_addr = mics::env_or("SENTRY_BIND", "127.0.0.1");
    o.listen_port = mics::env_port("SENTRY_HTTPS_PORT", 4443);
    o.cert_file = paths.certs() + "/sentry.crt";
    o.key_file = paths.certs() + "/sentry.key";
    o.control_path = paths.sentryd_sock();
    o.devices_file = paths.db() + "/devices.bin";
    return o;
}

Status parse_listen(const std::string& text, std::string& addr, int& port) {
    std::string why = mics::parse_listen(text, addr, port);
    return why.empty() ? ok_status() : Status::fail("--listen: " + why);
}

Result<Options> parse_options(const std::vector<std::string>& args, Options o) {
    mics::FlagReader f(args);
    while (f.next()) {
        const std::string& flag = f.flag();
        if (flag == "--listen") {
            std::string text;
            if (!f.value(text)) break;
            if (Status st = parse_listen(text, o.listen_addr, o.listen_port); !st) f.fail(st.error());
        } else if (flag == "--cert") {
            f.value(o.cert_file);
        } else if (flag == "--key") {
            f.value(o.key_file);
        } else if (flag == "--control") {
            f.value(o.control_path);
        } else if (flag == "--devices") {
            f.value(o.devices_file);
        } else if (flag == "--check-config") {
            o.check_config = f.no_value();
        } else if (flag == "--version") {
            o.show_version = f.no_value();
        } else if (flag == "--help" || flag == "-h") {
            o.show_help = f.no_value();
        } else {
            f.fail("unknown option: " + flag);
        }
    }
    if (!f.error().empty()) return Result<Options>::fail(f.error());
    return o;
}

std::string usage_text() {
    return "usage: sentryd [--listen ADDR:PORT] [--cert FILE] [--key FILE]\n"
           "               [--control PATH] [--devices FILE] [--check-config] [--version] [--help]\n"
           "\n"
           "  --listen ADDR:PORT  device HTTPS listener ($SENTRY_BIND:$SENTRY_HTTPS_PORT,\n"
           "                      default 127.0.0.1:4443); IPv6 as [ADDR]:PORT\n"
           "  --cert FILE         PEM certificate chain ($SENTRY_STATE_DIR/certs/sentry.crt)\n"
           "  --key FILE          PEM private key ($SENTRY_STATE_DIR/certs/sentry.key)\n"
           "  --control PATH      control socket ($SENTRY_STATE_DIR/run/sentryd.sock)\n"
           "  --devices FILE      persistent device list ($SENTRY_STATE_DIR/db/devices.bin)\n"
           "  --check-config      load and check certificate and key, then exit 0 or 1\n"
           "  --version           print the version and exit\n"
           "  --help              print this help and exit\n";
}

std::string version_text() {
    return std::string("sentryd (") + mics::kProductName + ") " + mics::kVersion + " (" +
           mics::kGitDescribe + ", built " + mics::kBuildDate + ")\n";
}

}  // namespace sentryd
