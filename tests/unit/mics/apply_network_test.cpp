// The network applier's plan (which `ip` commands for which change) and its
// undo on failure, with a recording runner instead of iproute2.
#include "apply_network.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& path, const Value& v) { return apply_edit(c, path, "set", v); }

std::vector<std::string> lines(const std::vector<Command>& plan) {
    std::vector<std::string> out;
    for (const auto& cmd : plan) {
        std::string s;
        for (const auto& w : cmd) s += (s.empty() ? "" : " ") + w;
        out.push_back(s);
    }
    return out;
}

const LinkMap kLinks{{"1", "v0"}, {"2", "v1"}};

}  // namespace

TEST_CASE("link map: N=LINK pairs, errors name the entry") {
    LinkMap m;
    CHECK(parse_link_map("1=eth0,2=veth-a", m) == "");
    CHECK(m.size() == 2);
    CHECK(m["2"] == "veth-a");
    CHECK(parse_link_map("", m) == "");
    CHECK(m.empty());
    CHECK(parse_link_map("eth0", m) == "interface map entry 'eth0' is not N=LINK");
    CHECK(parse_link_map("7=eth0", m) == "interface map: GigabitEthernet 7 does not exist (1-6)");
    CHECK(parse_link_map("1=a/b", m) == "interface map: 'a/b' is not a Linux link name");
}

TEST_CASE("nothing is touched without a link map") {
    Config next;
    REQUIRE(set(next, "interface.address[1]", std::string("10.9.0.1/255.255.255.0")) == "");
    CHECK(network_plan(Config{}, next, LinkMap{}, true).empty());
}

TEST_CASE("boot plan flushes and installs everything, in dependency order") {
    Config next;
    REQUIRE(set(next, "interface.address[1]", std::string("10.9.0.1/255.255.255.0")) == "");
    REQUIRE(set(next, "interface.shutdown[2]", true) == "");
    REQUIRE(set(next, "ip.route[10.10.0.0/255.255.0.0]", std::string("10.9.0.254")) == "");
    CHECK(lines(network_plan(Config{}, next, kLinks, true)) ==
          std::vector<std::string>{
              "ip route flush proto 186",
              "ip addr flush dev v0 scope global",
              "ip addr flush dev v1 scope global",
              "ip link set dev v0 up",
              "ip link set dev v1 down",
              "ip addr add 10.9.0.1/24 dev v0",
              "ip route replace 10.10.0.0/16 via 10.9.0.254 proto 186",
          });
}

TEST_CASE("a change plans only the difference") {
    Config prev;
    REQUIRE(set(prev, "interface.address[1]", std::string("10.9.0.1/255.255.255.0")) == "");
    REQUIRE(set(prev, "ip.route[10.10.0.0/255.255.0.0]", std::string("10.9.0.254")) == "");
    REQUIRE(set(prev, "ip.route[10.20.0.0/255.255.0.0]", std::string("10.9.0.254")) == "");
    Config next = prev;
    CHECK(network_plan(prev, next, kLinks, false).empty());
    REQUIRE(set(next, "interface.address[1]", std::string("10.9.0.2/255.255.0.0")) == "");
    REQUIRE(apply_edit(next, "ip.route[10.20.0.0/255.255.0.0]", "delete", std::nullopt) == "");
    REQUIRE(set(next, "interface.shutdown[2]", true) == "");
    CHECK(lines(network_plan(prev, next, kLinks, false)) ==
          std::vector<std::string>{
              "ip route del 10.20.0.0/16 via 10.9.0.254 proto 186",
              "ip addr del 10.9.0.1/24 dev v0",
              "ip link set dev v1 down",
              "ip addr add 10.9.0.2/16 dev v0",
              // the kernel dropped it with the old address
              "ip route replace 10.10.0.0/16 via 10.9.0.254 proto 186",
          });
    // A route-only change leaves the links alone.
    Config moved = prev;
    REQUIRE(set(moved, "ip.route[10.10.0.0/255.255.0.0]", std::string("10.9.0.253")) == "");
    CHECK(lines(network_plan(prev, moved, kLinks, false)) ==
          std::vector<std::string>{"ip route replace 10.10.0.0/16 via 10.9.0.253 proto 186"});
}

TEST_CASE("a failing command stops the plan, undoes the rest and says why") {
    Config prev, next;
    REQUIRE(set(next, "interface.address[1]", std::string("10.9.0.1/255.255.255.0")) == "");
    REQUIRE(set(next, "ip.route[10.10.0.0/255.255.0.0]", std::string("192.0.2.1")) == "");
    std::vector<std::string> ran;
    auto run = [&](const Command& cmd) {
        ran.push_back(lines({cmd})[0]);
        ExecResult r;
        bool bad = cmd[1] == "route" && cmd[2] == "replace";
        r.status = bad ? 2 : 0;
        if (bad) r.output = "Error: Nexthop has invalid gateway.";
        return r;
    };
    CHECK(apply_network(prev, next, kLinks, false, run) ==
          "ip route replace 10.10.0.0/16 via 192.0.2.1 proto 186: Error: Nexthop has invalid gateway.");
    CHECK(ran == std::vector<std::string>{
                     "ip addr add 10.9.0.1/24 dev v0",
                     "ip route replace 10.10.0.0/16 via 192.0.2.1 proto 186",
                     // undo
                     "ip route del 10.10.0.0/16 via 192.0.2.1 proto 186",
                     "ip addr del 10.9.0.1/24 dev v0",
                 });
}

TEST_CASE("run_argv: exit status and output, no shell") {
    ExecResult r = run_argv({"sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.status == 3);
    CHECK(r.output == "out\nerr");
    r = run_argv({"echo", "a;b", "$(x)"});  // argv words are never interpreted
    CHECK(r.status == 0);
    CHECK(r.output == "a;b $(x)");
    r = run_argv({"/nonexistent/tool"});
    CHECK(r.status == -1);
    r = run_argv({"sleep", "5"}, std::chrono::milliseconds(100));
    CHECK(r.status == -1);
    CHECK(r.output == "sleep: timed out");
}
