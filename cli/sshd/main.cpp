// sentry-sshd: wiring only. Flags -> Server -> run. Logic lives in src/.
#include "src/options.hpp"
#include "src/privdrop.hpp"
#include "src/server.hpp"

#include "mics/log.hpp"
#include "mics/version.hpp"

#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
    // Fds 0-2 must be open so that no socket or pty ever lands on them.
    for (int fd = 0; fd < 3; ++fd)
        if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
    mics::log_init("sentry-sshd");

    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = sshd::parse_options(args, sshd::defaults_from_env());
    if (!parsed.ok) {
        std::fprintf(stderr, "sentry-sshd: %s\n%s", parsed.error.c_str(), sshd::usage().c_str());
        return 2;
    }
    const auto& opts = parsed.options;
    if (opts.show_help) {
        std::fputs(sshd::usage().c_str(), stdout);
        return 0;
    }
    if (opts.show_version) {
        std::printf("sentry-sshd (%s) %s (%s, built %s)\n", mics::kProductName, mics::kVersion,
                    mics::kGitDescribe, mics::kBuildDate);
        return 0;
    }

    std::string err;
    sshd::Unprivileged nobody;
    if (::geteuid() == 0 && !sshd::lookup_unprivileged(nobody, err)) {
        std::fprintf(stderr, "sentry-sshd: %s\n", err.c_str());
        return 1;
    }
    if (opts.check_config) {
        if (!sshd::check_config(opts, err)) {
            std::fprintf(stderr, "sentry-sshd: configuration error: %s\n", err.c_str());
            return 1;
        }
        std::printf("sentry-sshd: configuration OK\n");
        return 0;
    }

    sshd::Server server(opts, nobody);
    if (!server.start(err)) {
        mics::log_error(err);
        return 1;
    }
    return server.run();
}
