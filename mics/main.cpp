// sentry-micsd: wiring only. Flags and environment, the App, the Supervisor,
// the server loop, and an orderly shutdown.
#include "app.hpp"
#include "server.hpp"
#include "supervisor.hpp"

#include "mics/log.hpp"
#include "mics/paths.hpp"
#include "mics/version.hpp"

#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

void usage(FILE* f) {
    std::fprintf(f,
                 "usage: sentry-micsd [--foreground] [--no-services] [--check-config] [--version] [--help]\n"
                 "  Configuration service and supervisor of the Sentry appliance.\n"
                 "  State lives in $SENTRY_STATE_DIR (default ./var). See sentry-micsd(8).\n");
}

std::string self_dir() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    buf[n] = '\0';
    return std::filesystem::path(buf).parent_path().string();
}

}  // namespace

int main(int argc, char** argv) {
    bool check_only = false, services = true;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--foreground" || a == "-f") continue;  // MICS never daemonizes itself
        if (a == "--no-services") services = false;
        else if (a == "--check-config") check_only = true;
        else if (a == "--version") {
            std::printf("sentry-micsd %s (%s)\n", mics::kVersion, mics::kGitDescribe);
            return 0;
        } else if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "sentry-micsd: unknown option '%s'\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    mics::log_init("sentry-micsd");

    micsd::Options opt;
    opt.paths = mics::paths_from_env();
    opt.bind = mics::env_or("SENTRY_BIND", "127.0.0.1");
    opt.ssh_port = mics::env_port("SENTRY_SSH_PORT", 2222);
    opt.https_port = mics::env_port("SENTRY_HTTPS_PORT", 4443);
    opt.snmp_port = mics::env_port("SENTRY_SNMP_PORT", 1161);
    // The binaries sit in the build tree: <bin>/mics/sentry-micsd, <bin>/daemon/sentryd, ...
    opt.bin_dir = mics::env_or("SENTRY_BIN_DIR", std::filesystem::path(self_dir()).parent_path().string());
    opt.start_services = services;
    opt.interfaces = mics::env_or("SENTRY_INTERFACES", "");

    micsd::App app(opt);
    micsd::Supervisor sup;
    micsd::Server server(app, sup);
    if (std::string e = server.setup_signals(); !e.empty()) {
        mics::log_error(e);
        return 1;
    }
    if (std::string e = app.init(); !e.empty()) {
        mics::log_error(e);
        return 1;
    }
    if (check_only) {
        std::printf("configuration OK (revision %lld)\n", static_cast<long long>(app.revision()));
        return 0;
    }
    if (std::string e = server.listen(opt.paths.mics_sock()); !e.empty()) {
        mics::log_error(e);
        return 1;
    }
    std::string pidfile = opt.paths.run() + "/sentry-micsd.pid";
    if (FILE* f = std::fopen(pidfile.c_str(), "w")) {
        std::fprintf(f, "%d\n", int(::getpid()));
        std::fclose(f);
    }
    app.register_services(sup);
    if (services) sup.start_all();

    std::printf("%s %s is up (state in %s)\n"
                "  Connect:  ssh -p %d admin@%s\n"
                "  Password: $SENTRY_ADMIN_PASSWORD at first boot, else %s/initial-admin-password\n"
                "  Devices:  https://%s:%d/Microsoft-Server-ActiveSync   SNMP: udp %s:%d\n"
                "  Press Ctrl-C to stop.\n",
                mics::kProductName, mics::kVersion, opt.paths.state.c_str(), opt.ssh_port, opt.bind.c_str(),
                opt.paths.state.c_str(), opt.bind.c_str(), opt.https_port, opt.bind.c_str(), opt.snmp_port);
    std::fflush(stdout);

    int rc = server.run();
    sup.stop_all(std::chrono::seconds(35));  // sentryd may drain for up to 30 s
    ::unlink(pidfile.c_str());
    mics::log_info("stopped");
    return rc;
}
