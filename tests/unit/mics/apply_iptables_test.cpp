// The packet-filter applier: the iptables-restore text for a configuration
// (golden), updates and removal whatever chains of ours exist, and that
// nothing runs without a link map or after a refusal.
#include "apply_iptables.hpp"
#include "exec.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& path, const std::string& v) { return apply_edit(c, path, "set", Value(v)); }

const LinkMap kLinks{{"1", "sg1"}, {"2", "sg2"}};

Config sample() {
    Config c;
    REQUIRE(set(c, "acl.network[admins]", "subnet 192.0.2.0/24") == "");
    REQUIRE(set(c, "acl.network[web1]", "host 10.0.1.5") == "");
    REQUIRE(set(c, "acl.service[ike]", "udp src-port 500 dst-port 500") == "");
    REQUIRE(set(c, "acl.entry[outside:10]", "permit admins any ssh") == "");
    REQUIRE(set(c, "acl.entry[outside:20]", "permit any web1 https rate 5") == "");
    REQUIRE(set(c, "acl.entry[outside:30]", "permit any any ike") == "");
    REQUIRE(set(c, "acl.entry[outside:40]", "permit any any esp") == "");
    REQUIRE(set(c, "acl.entry[outside:50]", "deny any any any") == "");
    REQUIRE(set(c, "acl.entry[inside:10]", "permit any any any") == "");
    REQUIRE(set(c, "acl.entry[spare:10]", "permit any any any") == "");
    REQUIRE(set(c, "acl.binding[1]", "outside") == "");
    REQUIRE(set(c, "acl.binding[2]", "inside") == "");
    REQUIRE(set(c, "acl.binding[3]", "outside") == "");  // GigabitEthernet 3: not mapped, not filtered
    REQUIRE(validate(c) == "");
    return c;
}

const char* kGoldenRules =
    "-A SENTRY-IN -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n"
    "-A SENTRY-IN -i sg1 -m comment --comment \"GigabitEthernet 1 access-group outside\" -j SENTRY-ACL-2\n"
    "-A SENTRY-IN -i sg2 -m comment --comment \"GigabitEthernet 2 access-group inside\" -j SENTRY-ACL-1\n"
    "-A SENTRY-ACL-1 -m comment --comment \"inside 10\" -j RETURN\n"
    "-A SENTRY-ACL-1 -m comment --comment \"inside implicit deny\" -j DROP\n"
    "-A SENTRY-ACL-2 -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -m comment --comment \"outside 10\" -j RETURN\n"
    "-A SENTRY-ACL-2 -d 10.0.1.5/32 -p tcp -m tcp --dport 443 -m comment --comment \"outside 20\" -m hashlimit "
    "--hashlimit-upto 5/min --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name sentry2-20 -j RETURN\n"
    "-A SENTRY-ACL-2 -d 10.0.1.5/32 -p tcp -m tcp --dport 443 -m comment --comment \"outside 20\" -j DROP\n"
    "-A SENTRY-ACL-2 -p udp -m udp --sport 500 --dport 500 -m comment --comment \"outside 30\" -j RETURN\n"
    "-A SENTRY-ACL-2 -p 50 -m comment --comment \"outside 40\" -j RETURN\n"
    "-A SENTRY-ACL-2 -m comment --comment \"outside 50\" -j DROP\n"
    "-A SENTRY-ACL-2 -m comment --comment \"outside implicit deny\" -j DROP\n";

}  // namespace

TEST_CASE("iptables rules: one chain per bound ACL, entries in order, then the implicit deny (golden)") {
    IptablesRules r = iptables_rules(sample(), kLinks);
    CHECK(r.chains == std::vector<std::string>{"SENTRY-IN", "SENTRY-ACL-1", "SENTRY-ACL-2"});
    CHECK(r.rules == kGoldenRules);
}

// Every chain we may use is declared (created or flushed); the unused ones go again.
const char* kDeclare =
    "*filter\n:SENTRY-IN - [0:0]\n:SENTRY-ACL-1 - [0:0]\n:SENTRY-ACL-2 - [0:0]\n:SENTRY-ACL-3 - [0:0]\n"
    ":SENTRY-ACL-4 - [0:0]\n:SENTRY-ACL-5 - [0:0]\n:SENTRY-ACL-6 - [0:0]\n";

TEST_CASE("restore input: first install declares our chains and adds the INPUT jump") {
    IptablesRules r = iptables_rules(sample(), kLinks);
    CHECK(iptables_restore_input(IptablesState{false}, &r) ==
          std::string(kDeclare) + "-X SENTRY-ACL-3\n-X SENTRY-ACL-4\n-X SENTRY-ACL-5\n-X SENTRY-ACL-6\n" +
              kGoldenRules + "-I INPUT 1 -j SENTRY-IN\nCOMMIT\n");
}

TEST_CASE("restore input: an update refills ours, keeps the one jump, drops chains no longer bound") {
    Config c;
    REQUIRE(set(c, "acl.entry[only:10]", "deny any any any") == "");
    REQUIRE(set(c, "acl.binding[2]", "only") == "");
    IptablesRules r = iptables_rules(c, kLinks);
    CHECK(iptables_restore_input(IptablesState{true}, &r) ==
          std::string(kDeclare) +
              "-X SENTRY-ACL-2\n-X SENTRY-ACL-3\n-X SENTRY-ACL-4\n-X SENTRY-ACL-5\n-X SENTRY-ACL-6\n"
              "-A SENTRY-IN -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n"
              "-A SENTRY-IN -i sg2 -m comment --comment \"GigabitEthernet 2 access-group only\" -j SENTRY-ACL-1\n"
              "-A SENTRY-ACL-1 -m comment --comment \"only 10\" -j DROP\n"
              "-A SENTRY-ACL-1 -m comment --comment \"only implicit deny\" -j DROP\n"
              "COMMIT\n");
}

TEST_CASE("restore input: removal takes out the jump and every chain of ours, and nothing else") {
    const std::string all_x = "-X SENTRY-ACL-1\n-X SENTRY-ACL-2\n-X SENTRY-ACL-3\n-X SENTRY-ACL-4\n-X SENTRY-ACL-5\n"
                              "-X SENTRY-ACL-6\n-X SENTRY-IN\nCOMMIT\n";
    std::string with_jump = iptables_restore_input(IptablesState{true}, nullptr);
    CHECK(with_jump == "*filter\n-D INPUT -j SENTRY-IN\n" + std::string(kDeclare).substr(8) + all_x);
    CHECK(iptables_restore_input(IptablesState{false}, nullptr) == std::string(kDeclare) + all_x);
}

TEST_CASE("apply: nothing runs without a link map; iptables' refusal is the reason") {
    std::vector<std::string> ran;
    std::string fed;
    int jump_status = 0;
    auto run = [&](const Command& c) {
        ran.push_back(c[0] + " " + c[3]);
        return ExecResult{jump_status, ""};
    };
    auto feed_ok = [&](const Command& c, const std::string& in) {
        ran.push_back(c[0] + " " + c[1]);
        fed = in;
        return ExecResult{0, ""};
    };
    CHECK(apply_iptables(sample(), LinkMap{}, true, run, feed_ok) == "");
    CHECK(ran.empty());
    CHECK(apply_iptables(sample(), kLinks, true, run, feed_ok) == "");
    CHECK(ran == std::vector<std::string>{"iptables -C", "iptables-restore --noflush"});
    CHECK(fed.find("-I INPUT") == std::string::npos);  // the jump is there already
    jump_status = 2;  // no SENTRY-IN chain yet
    CHECK(apply_iptables(sample(), kLinks, true, run, feed_ok) == "");
    CHECK(fed.find("-I INPUT 1 -j SENTRY-IN\n") != std::string::npos);
    jump_status = -1;  // iptables not installed
    CHECK(apply_iptables(sample(), kLinks, true, run, feed_ok) == "iptables: failed");
    jump_status = 1;
    auto feed_bad = [&](const Command&, const std::string&) {
        return ExecResult{2, "iptables-restore v1.8.9 (nf_tables): Couldn't load match `hashlimit'\nError occurred at line: 7"};
    };
    CHECK(apply_iptables(sample(), kLinks, true, run, feed_bad) ==
          "iptables-restore: iptables-restore v1.8.9 (nf_tables): Couldn't load match `hashlimit'\nError occurred at "
          "line: 7");
}

TEST_CASE("run_argv_input feeds stdin while reading the output") {
    std::signal(SIGPIPE, SIG_IGN);  // as in MICS: a child that stops reading must not kill us
    std::string big(256 * 1024, 'x');  // more than a pipe buffer in both directions
    ExecResult r = run_argv_input({"wc", "-c"}, big);
    CHECK(r.status == 0);
    CHECK(r.output == std::to_string(big.size()));
    ExecResult e = run_argv_input({"true"}, big);
    CHECK(e.status == 0);
    ExecResult empty = run_argv_input({"cat"}, "");
    CHECK(empty.status == 0);
    CHECK(empty.output.empty());
}
