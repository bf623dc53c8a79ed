#include "cli_spawn.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace sshd;

namespace {
bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

TEST_CASE("sshd runs the shell as 'sentry-cli --mics-fd 3 [-c CMD]'") {
    CHECK(cli_argv(std::nullopt) == std::vector<std::string>{"sentry-cli", "--mics-fd", "3"});
    CHECK(cli_argv(std::string("show version")) ==
          std::vector<std::string>{"sentry-cli", "--mics-fd", "3", "-c", "show version"});
}

TEST_CASE("sshd gives the shell a fixed, small environment") {
    CliRequest r;
    r.client_ip = "192.0.2.7";
    r.pty = true;
    r.term = "xterm";
    r.cols = 132;
    r.rows = 40;
    auto env = cli_env(r);
    CHECK(has(env, "SENTRY_MICS_FD=3"));
    CHECK(has(env, "SENTRY_SSH_CLIENT=192.0.2.7"));
    CHECK(has(env, "TERM=xterm"));
    CHECK(has(env, "LINES=40"));
    CHECK(has(env, "COLUMNS=132"));
    r.pty = false;
    auto env2 = cli_env(r);
    CHECK_FALSE(std::any_of(env2.begin(), env2.end(),
                            [](const std::string& s) { return s.rfind("TERM=", 0) == 0; }));
}
