// `ip ssh port` and the sentry-sshd argv MICS builds from it and from fips:
// the setting round-trips through running-config, a busy port or the proxy's
// port is refused, and the port / --fips reach the argv.
#include "app_fixture.hpp"

#include <algorithm>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace micsd;
using namespace mics_test;

TEST_CASE("ip ssh port renders, parses back and returns to the start-up port") {
    Config c;
    CHECK(render(c).find("ip ssh port") == std::string::npos);  // default: no line
    CHECK(render(c, true).find("no ip ssh port\n") != std::string::npos);
    REQUIRE(apply_edit(c, "ssh.port", "set", Value(2200LL)) == "");
    std::string text = render(c);
    CHECK(text.find("ip ssh port 2200\n") != std::string::npos);
    Config back;
    REQUIRE(parse_config(text, Config{}, back) == "");
    CHECK(get_int(back, "ssh.port") == 2200);
    REQUIRE(parse_config("no ip ssh port\n", c, back) == "");
    CHECK(get_int(back, "ssh.port") == 0);
    CHECK(apply_edit(c, "ssh.port", "set", Value(70000LL)).find("out of range") != std::string::npos);
}

TEST_CASE("sentry-sshd's argv carries the configured port, and --fips only once fips is in effect") {
    Appliance a;
    auto argv = a.app->sshd_argv();
    auto listen = std::find(argv.begin(), argv.end(), "--listen");
    REQUIRE(listen + 1 < argv.end());
    CHECK(*(listen + 1) == a.app->options().bind + ":" + std::to_string(a.app->options().ssh_port));
    CHECK(std::find(argv.begin(), argv.end(), "--fips") == argv.end());

    Session s = admin_config(*a.app);
    REQUIRE(code(call(*a.app, s, "config.edit",
                      {{"edits", {{{"path", "ssh.port"}, {"op", "set"}, {"value", 2201}}}}})) == "ok");
    REQUIRE(code(call(*a.app, s, "config.edit",
                      {{"edits", {{{"path", "system.fips"}, {"op", "set"}, {"value", true}}}}})) == "ok");
    argv = a.app->sshd_argv();
    CHECK(std::find(argv.begin(), argv.end(), a.app->options().bind + ":2201") != argv.end());
    CHECK(std::find(argv.begin(), argv.end(), "--fips") == argv.end());  // not before a reload
    a.app->set_booted(a.app->running());
    argv = a.app->sshd_argv();
    CHECK(std::find(argv.begin(), argv.end(), "--fips") != argv.end());
}

TEST_CASE("a port in use or the proxy's port is refused by name") {
    Appliance a;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    socklen_t len = sizeof sa;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    int busy = ntohs(sa.sin_port);
    CHECK(a.app->check_ssh_port(busy) == "ip ssh port " + std::to_string(busy) + ": the port is in use");
    ::close(fd);
    CHECK(a.app->check_ssh_port(busy) == "");
    int https = a.app->options().https_port;
    CHECK(a.app->check_ssh_port(https).find("the ActiveSync proxy's port") != std::string::npos);
}
