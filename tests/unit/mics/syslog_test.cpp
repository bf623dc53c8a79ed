#include "mics/syslog.hpp"

#include "../temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

TEST_CASE("syslog_format: priority, RFC 3164 timestamp, tag and one line") {
    // 2026-11-29 22:50:07 UTC
    std::string d = mics::syslog_format(mics::LogFacility::audit, mics::Severity::info, "SENTRY_AUDIT",
                                        42, "a\nb\tc", 1795992607);
    CHECK(d == "<110>Nov 29 22:50:07 SENTRY_AUDIT[42]: a b c");
    // general = daemon (3), health-monitor = local1 (17)
    CHECK(mics::syslog_format(mics::LogFacility::general, mics::Severity::err, "x", 1, "", 0)
              .rfind("<27>Jan  1 00:00:00 x[1]: ", 0) == 0);
    CHECK(mics::syslog_format(mics::LogFacility::health_monitor, mics::Severity::warning, "x", 1, "", 0)
              .rfind("<140>", 0) == 0);
    // A tag cannot carry spaces or brackets into the header.
    CHECK(mics::syslog_format(mics::LogFacility::general, mics::Severity::info, "a b]:", 7, "m", 0)
              .find(" a_b__[7]: m") != std::string::npos);
    std::string big(mics::kSyslogMaxMessage + 100, 'x');
    std::string cut = mics::syslog_format(mics::LogFacility::general, mics::Severity::info, "t", 1, big, 0);
    CHECK(cut.size() < mics::kSyslogMaxMessage + 64);
}

TEST_CASE("syslog_send: delivered to the socket, dropped and counted when nobody listens") {
    sentry_test::TempDir dir("syslog");
    std::string path = dir.path + "/log.sock";
    mics::syslog_target(path);
    auto before = mics::syslog_dropped();
    CHECK_FALSE(mics::syslog_send(mics::LogFacility::general, mics::Severity::info, "t", "lost"));
    CHECK(mics::syslog_dropped() == before + 1);

    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    CHECK(mics::syslog_send(mics::LogFacility::audit, mics::Severity::notice, "MICS_AUDIT", "user admin"));
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    REQUIRE(n > 0);
    std::string got(buf, std::size_t(n));
    CHECK(got.rfind("<109>", 0) == 0);
    CHECK(got.find(" MICS_AUDIT[") != std::string::npos);
    CHECK(got.substr(got.size() - 10) == "user admin");
    CHECK(got.find("[" + std::to_string(::getpid()) + "]: ") != std::string::npos);

    // A forked child (sentry-sshd's connection processes) sends its own pid.
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(mics::syslog_send(mics::LogFacility::general, mics::Severity::info, "t", "c") ? 0 : 1);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    REQUIRE(n > 0);
    got.assign(buf, std::size_t(n));
    CHECK(got.find(" t[" + std::to_string(child) + "]: c") != std::string::npos);
    ::close(fd);
    mics::syslog_target("");
}
