// sentry-cli: wiring only. Finds its MICS session (inherited from sentry-sshd
// or a local console session), then runs one command, a script, or the shell.
#include "check.hpp"
#include "commands.hpp"
#include "reference.hpp"
#include "shell.hpp"

#include "mics/client.hpp"
#include "mics/paths.hpp"
#include "mics/version.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <unistd.h>

namespace {

void usage(FILE* f) {
    std::fprintf(f,
                 "usage: sentry-cli [-c COMMAND] [--continue] [--mics-fd N] [--check] [--reference man|markdown]\n"
                 "                  [--version] [--help]\n"
                 "  -c COMMAND   run one command and exit (0 ok, 1 command error, 2 parse error)\n"
                 "  --continue   in a script on stdin, keep going after an error\n"
                 "  --mics-fd N  use the MICS session already open on fd N (set by sentry-sshd)\n"
                 "  --check      syntax-check a configuration on stdin (CONFIG mode), apply nothing\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::string command;
    bool have_command = false, cont = false;
    int mics_fd = -1;
    if (const char* e = std::getenv("SENTRY_MICS_FD")) mics_fd = std::atoi(e);
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "-c" || a == "--command") && i + 1 < argc) {
            command = argv[++i];
            have_command = true;
        } else if (a == "--continue") cont = true;
        else if (a == "--mics-fd" && i + 1 < argc) mics_fd = std::atoi(argv[++i]);
        else if (a == "--reference" && i + 1 < argc) {
            // Needs no MICS: the reference is the grammar table itself.
            std::string kind = argv[++i];
            if (kind != "man" && kind != "markdown") {
                std::fprintf(stderr, "sentry-cli: --reference takes 'man' or 'markdown'\n");
                return 2;
            }
            std::fputs((kind == "man" ? cli::reference_man(cli::grammar())
                                      : cli::reference_markdown(cli::grammar())).c_str(), stdout);
            return 0;
        }
        else if (a == "--check") {
            // Syntax check of a configuration on stdin; no MICS, nothing applied.
            cli::CheckResult r = cli::check_config(std::cin, std::cerr, cli::grammar());
            std::fprintf(stderr, "%zu lines checked, %zu with errors\n", r.lines, r.errors);
            return r.errors ? 2 : 0;
        }
        else if (a == "--version") {
            std::printf("sentry-cli %s (%s)\n", mics::kVersion, mics::kGitDescribe);
            return 0;
        } else if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "sentry-cli: unknown option '%s'\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }

    mics::Client client;
    if (mics_fd >= 0) {
        // Session opened and authenticated by sentry-sshd; keep it off exec'd children.
        if (::fcntl(mics_fd, F_SETFD, FD_CLOEXEC) != 0) {
            std::fprintf(stderr, "%% No configuration service session on fd %d\n", mics_fd);
            return 1;
        }
        client = mics::Client(mics_fd);
    } else {
        std::string err;
        if (!client.connect(mics::paths_from_env().mics_sock(), &err)) {
            std::fprintf(stderr, "%% Configuration service unavailable: %s\n", err.c_str());
            return 1;
        }
        mics::Reply r = client.call("session.local", R"({"source":"console"})");
        if (!r.ok) {
            std::fprintf(stderr, "%% Local console session refused: %s\n", r.message.c_str());
            return 1;
        }
    }

    bool tty = ::isatty(0) && ::isatty(1);
    const char* term = std::getenv("TERM");
    cli::ShellOptions opt;
    opt.interactive = tty && !have_command;
    opt.color = tty && term && std::strcmp(term, "dumb") != 0;
    opt.continue_on_error = cont;
    opt.echo = !tty && !have_command;
    // Test hook only: lets an end-to-end test see the idle timeout in seconds.
    if (const char* e = std::getenv("SENTRY_CLI_IDLE_SECONDS")) {
        char* end = nullptr;
        long v = std::strtol(e, &end, 10);
        if (*e && end && *end == '\0' && v >= 0 && v <= 86400) opt.idle_seconds_override = static_cast<int>(v);
    }

    cli::Shell shell(std::move(client), cli::grammar(), opt);
    if (std::string e = shell.start(); !e.empty()) {
        std::fprintf(stderr, "%% %s\n", e.c_str());
        return 1;
    }
    if (have_command) {
        // Errors show the command so the caret has something to point into.
        int rc = shell.execute(command, 0);
        return rc;
    }
    if (opt.interactive) return shell.run_interactive();
    return shell.run_stream(std::cin);
}
