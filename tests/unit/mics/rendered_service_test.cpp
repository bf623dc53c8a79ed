// RenderedService: the rules chronyd's and rsyslogd's appliers share (write
// only a changed text, keep the old one on a failed write, check only a new
// text, run the daemon only while needed, restart it only when asked),
// with a harmless real process (/bin/sleep) under a real Supervisor.
#include "rendered_service.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace micsd;
using namespace std::chrono_literals;

TEST_CASE("rendered service: a text is written only when it changed; the first write is no change") {
    RenderedService svc("ntp");
    std::vector<std::string> writes;
    auto write = [&](const std::string& c) {
        writes.push_back(c);
        return std::string();
    };
    bool changed = true;
    CHECK(svc.write("a\n", write, &changed) == "");
    CHECK_FALSE(changed);  // the daemon never ran on an earlier text
    CHECK(svc.written() == "a\n");
    CHECK(svc.write("a\n", write, &changed) == "");
    CHECK_FALSE(changed);
    CHECK(writes == std::vector<std::string>{"a\n"});  // the same text again: no write
    CHECK(svc.write("b\n", write, &changed) == "");
    CHECK(changed);
    CHECK(writes == std::vector<std::string>{"a\n", "b\n"});
    CHECK(svc.written() == "b\n");
    CHECK(svc.write("b\n", write) == "");  // changed is optional
}

TEST_CASE("rendered service: a failed write keeps the text last written, and the next apply tries again") {
    RenderedService svc("syslog");
    bool fail = false;
    int writes = 0;
    auto write = [&](const std::string&) {
        ++writes;
        return fail ? std::string("cannot write x.conf") : std::string();
    };
    REQUIRE(svc.write("old\n", write) == "");
    fail = true;
    bool changed = true;
    CHECK(svc.write("new\n", write, &changed) == "cannot write x.conf");
    CHECK_FALSE(changed);
    CHECK(svc.written() == "old\n");
    // An applier's update() says so (and logs "syslog: why") the same way.
    CHECK_FALSE(svc.update("new\n", write, &changed));
    CHECK_FALSE(changed);
    CHECK(svc.written() == "old\n");
    fail = false;
    CHECK(svc.update("new\n", write, &changed));
    CHECK(changed);
    CHECK(writes == 4);
    CHECK(svc.written() == "new\n");
}

TEST_CASE("rendered service: only a text other than the one written is checked") {
    RenderedService svc("syslog");
    std::vector<std::string> checked;
    auto check = [&](const std::string& c) {
        checked.push_back(c);
        return c == "bad\n" ? std::string("refused") : std::string();
    };
    CHECK(svc.check("good\n", check) == "");
    REQUIRE(svc.write("good\n", [](const std::string&) { return std::string(); }) == "");
    CHECK(svc.check("good\n", check) == "");
    CHECK(svc.check("bad\n", check) == "refused");
    CHECK(checked == std::vector<std::string>{"good\n", "bad\n"});
}

TEST_CASE("rendered service: the daemon runs while needed and restarts only when asked") {
    sentry_test::TempDir d("rendered-service");
    Supervisor sup;
    ChildSpec spec{"ntp", {"/bin/sleep", "30"}, {}, d.path + "/ntp.log", d.path + "/ntp.pid"};
    spec.enabled = false;
    sup.add(spec);
    sup.start_all();
    REQUIRE(sup.pid("ntp") == 0);
    RenderedService svc("ntp");
    using A = RenderedService::Action;

    CHECK(svc.control(sup, false, true, 2000ms) == A::none);  // not needed, not running
    CHECK(sup.pid("ntp") == 0);
    CHECK(svc.control(sup, true, false, 2000ms) == A::switched);
    pid_t first = sup.pid("ntp");
    CHECK(first > 0);
    CHECK(svc.control(sup, true, false, 2000ms) == A::none);  // unchanged text: left running
    CHECK(sup.pid("ntp") == first);
    CHECK(svc.control(sup, true, true, 2000ms) == A::restarted);
    pid_t second = sup.pid("ntp");
    CHECK(second > 0);
    CHECK(second != first);
    CHECK(svc.control(sup, false, true, 2000ms) == A::switched);  // no longer needed: stopped
    CHECK(sup.pid("ntp") == 0);
    // A disabled service stays down until needed again, also after a tick.
    sup.tick();
    CHECK(sup.pid("ntp") == 0);
    sup.stop_all(2000ms);
}
