// Sub-modes in the real table: entering INTERFACE mode, its commands, '?' and
// TAB there, the offline check following sections, and the grammar features
// they need (a keyword's spelling kept, a number glued to a word).
#include "check.hpp"
#include "commands.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

using namespace cli;

namespace {

using V = std::vector<std::string>;

V help_tokens(const std::string& line, Mode mode, int priv) {
    std::vector<HelpItem> items;
    std::size_t off = 0;
    bool ok = grammar().help(line, mode, priv, items, off);
    REQUIRE_MESSAGE(ok, "help failed for '", line, "' at ", off);
    V out;
    for (const auto& i : items) out.push_back(i.token);
    return out;
}

}  // namespace

TEST_CASE("the mode table: every sub-mode has a name and CONFIG as parent") {
    CHECK(std::string(mode_info(kExec).name) == "exec");
    CHECK(std::string(mode_info(kConfig).name) == "config");
    CHECK(std::string(mode_info(kConfigIf).name) == "config-if");
    CHECK(mode_info(kConfigIf).parent == kConfig);
    CHECK(is_submode(kConfigIf));
    CHECK_FALSE(is_submode(kConfig));
    CHECK_FALSE(is_submode(kExec));
    for (const auto& m : modes())
        if (is_submode(m.mode)) {
            // Exactly one command enters each sub-mode, from its parent.
            int entering = 0;
            for (const auto& c : grammar().commands())
                if (c.enters == m.mode) {
                    ++entering;
                    CHECK((c.modes & m.parent) != 0);
                }
            CHECK_MESSAGE(entering == 1, m.name);
        }
}

TEST_CASE("interface GigabitEthernet N: both spellings, abbreviations, range") {
    const Grammar& g = grammar();
    for (const char* line : {"interface GigabitEthernet 2", "int gi 2", "INTERFACE gigabitethernet 2",
                             "interface GigabitEthernet2", "int gi2", "int Gig2"}) {
        Match m = g.parse(line, kConfig, 15);
        REQUIRE_MESSAGE(m.status == Match::ok, line);
        CHECK(m.cmd->enters == kConfigIf);
        CHECK_MESSAGE(m.args.str("n") == "2", line);
    }
    // The rendered form keeps the keyword's spelling, so the audit trail reads like running-config.
    CHECK(g.parse("int gi 2", kConfig, 15).masked_line == "interface GigabitEthernet 2");
    Match m = g.parse("interface GigabitEthernet 7", kConfig, 15);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 26);
    CHECK(g.parse("interface GigabitEthernet7", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("interface GigabitEthernet0", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("interface Ethernet1", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("interface 1", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("interface GigabitEthernet", kConfig, 15).status == Match::incomplete);
    // CONFIG only, privilege 15.
    CHECK(g.parse("interface GigabitEthernet 1", kExec, 15).status == Match::invalid);
    CHECK(g.parse("interface GigabitEthernet 1", kConfig, 1).status == Match::invalid);

    CHECK(help_tokens("interface ", kConfig, 15) == V{"GigabitEthernet", "GigabitEthernet(1-6)"});
    CHECK(help_tokens("interface GigabitEthernet ", kConfig, 15) == V{"(1-6)"});
    CHECK(help_tokens("interface GigabitEthernet 1 ", kConfig, 15) == V{"<cr>"});
    CHECK(g.complete("int", kConfig, 15) == V{"interface"});
    CHECK(g.complete("interface gi", kConfig, 15) == V{"GigabitEthernet"});
}

TEST_CASE("INTERFACE mode commands") {
    const Grammar& g = grammar();
    Match m = g.parse("ip address 10.0.0.1 255.255.255.0", kConfigIf, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("ip") == "10.0.0.1");
    CHECK(m.args.str("mask") == "255.255.255.0");
    CHECK(g.parse("ip add 10.0.0.1 255.255.255.0", kConfigIf, 15).status == Match::ok);
    CHECK(g.parse("ip address 10.0.0.1", kConfigIf, 15).status == Match::incomplete);
    CHECK(g.parse("ip address 10.0.0.1 24", kConfigIf, 15).status == Match::invalid);
    CHECK(g.parse("no ip address", kConfigIf, 15).status == Match::ok);
    CHECK(g.parse("no ip address 10.0.0.1 255.255.255.0", kConfigIf, 15).status == Match::ok);
    CHECK(g.parse("shut", kConfigIf, 15).cmd->syntax == "shutdown");
    CHECK(g.parse("no shut", kConfigIf, 15).cmd->syntax == "no shutdown");
    CHECK(g.parse("end", kConfigIf, 15).cmd->syntax == "end");
    CHECK(g.parse("exit", kConfigIf, 15).cmd->syntax == "exit");
    m = g.parse("do show running-config | include ip", kConfigIf, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->raw_line);

    // The interface lines are not CONFIG commands, and CONFIG's are not the sub-mode's
    // (the shell falls back to the parent for those, as IOS does).
    CHECK(g.parse("ip address 10.0.0.1 255.255.255.0", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("shutdown", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("hostname edge1", kConfigIf, 15).status == Match::invalid);
    CHECK(g.parse("ip route 10.0.0.0 255.0.0.0 10.0.0.1", kConfigIf, 15).status == Match::invalid);

    CHECK(help_tokens("", kConfigIf, 15) == V{"do", "end", "exit", "ip", "no", "shutdown"});
    CHECK(help_tokens("no ", kConfigIf, 15) == V{"ip", "shutdown"});
    CHECK(help_tokens("ip ", kConfigIf, 15) == V{"access-group", "address"});
    CHECK(help_tokens("ip address 10.0.0.1 255.255.255.0 ", kConfigIf, 15) == V{"<cr>"});
    CHECK(g.complete("sh", kConfigIf, 15) == V{"shutdown"});
    CHECK(g.complete("e", kConfigIf, 15) == V{"end", "exit"});
    CHECK(g.complete("no ", kConfigIf, 15) == V{"ip", "shutdown"});
}

TEST_CASE("the offline check follows sub-mode sections as the shell does") {
    std::istringstream good(
        "interface GigabitEthernet 1\n"
        "  ip address 10.10.27.14 255.255.0.0\n"
        "  no shutdown\n"
        "  end\n"
        "interface GigabitEthernet2\n"
        "  no ip address\n"
        "  shutdown\n"
        "ip route 0.0.0.0 0.0.0.0 10.10.1.1\n"  // a CONFIG line closes the section
        "service ssh 5\n"
        "hostname app264.auto.ivanti.com\n"
        "timeout 0\n");
    std::ostringstream err;
    CheckResult r = check_config(good, err, grammar());
    CHECK(err.str().empty());
    CHECK(r.errors == 0);
    CHECK(r.lines == 11);

    std::istringstream bad("ip address 10.0.0.1 255.0.0.0\ninterface GigabitEthernet 1\n  end\nshutdown\n");
    std::ostringstream err2;
    r = check_config(bad, err2, grammar());
    CHECK(r.errors == 2);
    CHECK(err2.str() ==
          "line 1: % invalid input at column 4: ip address 10.0.0.1 255.0.0.0\n"
          "line 4: % invalid input at column 1: shutdown\n");
}
