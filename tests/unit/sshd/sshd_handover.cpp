#include "handover.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sshd;

TEST_CASE("sshd hand-over file: pids round trip, junk and duplicates are dropped") {
    CHECK(format_handover({12, 345}) == "12\n345\n");
    CHECK(parse_handover("12\n345\n") == std::vector<pid_t>{12, 345});
    CHECK(parse_handover("12\n12\n\n-5\n1\n0\nabc\n4x\n99999999\n4194304\n77") == std::vector<pid_t>{12, 77});
    std::string many;
    for (int i = 2; i < 200; ++i) many += std::to_string(i) + "\n";
    CHECK(parse_handover(many).size() == kMaxHandover);
}

TEST_CASE("sshd hand-over file is written 0600 and read once") {
    sentry_test::TempDir d("sshd-handover");
    std::string path = d.path + "/" + kHandoverFile;
    REQUIRE(write_handover_file(path, {42, 43}));
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(take_handover_file(path) == std::vector<pid_t>{42, 43});
    CHECK(take_handover_file(path).empty());  // removed after reading
}

TEST_CASE("sshd adopts only live processes that run the same binary") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    std::ifstream f("/proc/self/cmdline", std::ios::binary);
    std::string self;
    std::getline(f, self, '\0');
    // A forked child has our argv, like a connection process of the listener.
    auto got = adopt_sessions({child, 1}, self);
    REQUIRE(got.size() == 1);
    CHECK(got[0].pid == child);
    CHECK_FALSE(pidfd_exited(got[0].pidfd));
    CHECK(adopt_sessions({child}, "/usr/sbin/not-this").empty());
    pidfd_kill(got[0], SIGTERM);
    ::waitpid(child, nullptr, 0);
    CHECK(pidfd_exited(got[0].pidfd));
    ::close(got[0].pidfd);
    CHECK(adopt_sessions({child}, self).empty());  // gone
}
