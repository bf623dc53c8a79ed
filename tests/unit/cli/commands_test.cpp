// The real command table (cli::grammar()): well-formed, unambiguous,
// consistent help, and the everyday abbreviations land on the right command
// in the right mode and privilege.
#include "commands.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace cli;

namespace {

using V = std::vector<std::string>;

std::string kind_key(const Node& n) {
    // Typed arguments at the same position collide whatever their type.
    return n.kind == NodeKind::keyword ? n.text : "<arg>";
}

std::string syntax_of(const Match& m) { return m.cmd ? m.cmd->syntax : "<none>"; }

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

TEST_CASE("the command table builds and every token has help") {
    const Grammar* g = nullptr;
    REQUIRE_NOTHROW(g = &grammar());
    REQUIRE(g->commands().size() >= 18);
    REQUIRE(g->variants().size() >= g->commands().size());
    CHECK(&grammar() == g);  // built once
    for (const auto& v : g->variants()) {
        const auto& cmd = g->commands()[v.cmd];
        REQUIRE_FALSE(v.nodes.empty());
        for (const auto& n : v.nodes) {
            CHECK_MESSAGE(!n.help.empty(), cmd.syntax, ": token '", n.text, "' has no help");
            CHECK_MESSAGE(n.help.find('\n') == std::string::npos, cmd.syntax);
        }
        CHECK_MESSAGE(v.nodes[0].kind == NodeKind::keyword, cmd.syntax, " must start with a keyword");
    }
    for (const auto& c : g->commands()) {
        CHECK_MESSAGE(!c.doc.empty(), c.syntax, " has no reference text");
        CHECK_MESSAGE(static_cast<bool>(c.fn), c.syntax, " has no handler");
        CHECK_MESSAGE((c.privilege == 1 || c.privilege == 15), c.syntax);
        CHECK_MESSAGE((c.modes & kAllModes) != 0, c.syntax, " is in no mode");
        CHECK_MESSAGE((c.modes & ~kAllModes) == 0, c.syntax);
        // CONFIG mode is privilege 15 territory: a config command at privilege 1 would be unreachable
        // except for the mode-independent ones.
        if (c.modes == kConfig) CHECK_MESSAGE(c.privilege == 15, c.syntax);
    }
}

TEST_CASE("no two variants in overlapping modes are the same token sequence") {
    const Grammar& g = grammar();
    const auto& vs = g.variants();
    for (std::size_t i = 0; i < vs.size(); ++i) {
        for (std::size_t j = i + 1; j < vs.size(); ++j) {
            const auto& a = vs[i];
            const auto& b = vs[j];
            if ((g.commands()[a.cmd].modes & g.commands()[b.cmd].modes) == 0) continue;
            if (a.nodes.size() != b.nodes.size()) continue;
            bool same = true;
            for (std::size_t k = 0; k < a.nodes.size() && same; ++k)
                same = kind_key(a.nodes[k]) == kind_key(b.nodes[k]);
            CHECK_MESSAGE(!same, "'", g.commands()[a.cmd].syntax, "' and '", g.commands()[b.cmd].syntax,
                          "' have an identical variant");
        }
    }
}

TEST_CASE("a keyword after the same prefix has the same help everywhere") {
    const Grammar& g = grammar();
    std::map<std::string, std::pair<std::string, std::string>> seen;  // prefix+kw -> (help, syntax)
    for (const auto& v : g.variants()) {
        std::string prefix;
        for (const auto& n : v.nodes) {
            prefix += kind_key(n) + " ";
            if (n.kind != NodeKind::keyword) continue;
            auto [it, fresh] = seen.emplace(prefix, std::make_pair(n.help, g.commands()[v.cmd].syntax));
            if (!fresh)
                CHECK_MESSAGE(it->second.first == n.help, "'", prefix, "': '", n.help, "' in '",
                              g.commands()[v.cmd].syntax, "' vs '", it->second.first, "' in '", it->second.second,
                              "'");
        }
    }
    // The shared words really are shared.
    CHECK(seen.at("show ").first == "Show running system information");
    CHECK(seen.at("no ").first == "Negate a command or set its defaults");
}

TEST_CASE("'no X' uses the same help as 'X' for every token they share") {
    const Grammar& g = grammar();
    std::map<std::string, std::string> plain;  // token path -> help
    for (const auto& v : g.variants()) {
        if (v.nodes[0].text == "no") continue;
        std::string path;
        for (const auto& n : v.nodes) {
            path += kind_key(n) + " ";
            plain.emplace(path, n.help);
        }
    }
    int compared = 0;
    for (const auto& v : g.variants()) {
        if (v.nodes[0].text != "no") continue;
        std::string path;
        for (std::size_t k = 1; k < v.nodes.size(); ++k) {
            path += kind_key(v.nodes[k]) + " ";
            auto it = plain.find(path);
            if (it == plain.end()) continue;
            ++compared;
            CHECK_MESSAGE(it->second == v.nodes[k].help, "'no ", path, "': '", v.nodes[k].help, "' vs '",
                          it->second, "'");
        }
    }
    CHECK(compared >= 6);
}

TEST_CASE("everyday abbreviations in EXEC and PRIVILEGED") {
    const Grammar& g = grammar();
    Match m = g.parse("sh run", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show running-config [all] [LINE$section]");
    CHECK(m.cmd->pipes);
    CHECK(m.masked_line == "show running-config");

    m = g.parse("sh run all", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("all"));

    m = g.parse("sh ver", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show version");

    m = g.parse("conf t", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "configure terminal");
    CHECK(m.masked_line == "configure terminal");

    m = g.parse("wr", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "write [memory]");
    m = g.parse("wr mem", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "write [memory]");
    CHECK(m.masked_line == "write memory");

    m = g.parse("copy run start", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "copy running-config startup-config");

    m = g.parse("sh start", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show startup-config");

    m = g.parse("en", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "enable");
    m = g.parse("disable", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "disable");
}

TEST_CASE("privilege 1 sees only the EXEC commands") {
    const Grammar& g = grammar();
    Match m = g.parse("configure terminal", kExec, 1);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 0);
    CHECK(g.parse("conf t", kExec, 1).status == Match::invalid);
    CHECK(g.parse("wr", kExec, 1).status == Match::invalid);
    CHECK(g.parse("write memory", kExec, 1).status == Match::invalid);
    CHECK(g.parse("disable", kExec, 1).status == Match::invalid);
    CHECK(g.parse("copy running-config startup-config", kExec, 1).status == Match::invalid);
    m = g.parse("show startup-config", kExec, 1);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 5);

    CHECK(help_tokens("", kExec, 1) == V{"enable", "exit", "show", "terminal"});
    CHECK(help_tokens("show ", kExec, 1) ==
          V{"access-list", "history", "httpd", "logging", "running-config", "sentry", "service", "ssh", "terminal",
            "users", "version"});
    CHECK(help_tokens("", kExec, 15) ==
          V{"clear", "configure", "copy", "curl", "disable", "enable", "erase", "exit", "export", "import", "install", "reload",
            "service", "show", "software", "terminal", "tlscheck", "write"});
    CHECK(help_tokens("show ", kExec, 15) == V{"FIPS", "access-list", "archive", "audit", "history", "httpd", "kparam",
                                               "logging", "running-config", "sentry", "service", "software", "ssh",
                                               "startup-config", "terminal", "users", "version"});
}

TEST_CASE("configuration commands live in CONFIG mode only") {
    const Grammar& g = grammar();
    Match m = g.parse("hostname edge1", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "hostname HOSTNAME$name");
    CHECK(m.args.str("name") == "edge1");

    m = g.parse("hostname edge1", kExec, 15);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 0);
    CHECK(g.parse("hostname edge1", kExec, 1).status == Match::invalid);
    CHECK(g.parse("hostname edge1", kConfig, 1).status == Match::invalid);

    // EXEC commands are reached with 'do' in CONFIG mode.
    CHECK(g.parse("sh run", kConfig, 15).status == Match::invalid);
    m = g.parse("do sh run", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "do LINE$command");
    CHECK(m.args.str("command") == "sh run");
    CHECK(g.parse("do", kConfig, 15).status == Match::incomplete);
    CHECK(g.parse("conf t", kConfig, 15).status == Match::invalid);

    CHECK(help_tokens("", kConfig, 15) ==
          V{"access-group", "access-list", "banner", "certificate", "configure", "dbconfig", "debug", "do", "enable",
            "end", "exit", "fips", "hostname", "httpd", "interface", "ip", "kparam", "no", "ntp", "object",
            "password-policy", "sentry", "service",
            "snmp-server", "software", "syslog", "system", "timeout", "username"});
    CHECK(help_tokens("no ", kConfig, 15) == V{"access-group", "access-list", "banner", "dbconfig", "debug", "fips",
                                              "hostname", "httpd", "ip", "kparam", "ntp", "object", "password-policy", "sentry", "service", "snmp-server", "software",
                                              "syslog", "timeout", "username"});
    CHECK(help_tokens("ip ", kConfig, 15) == V{"domain-name", "name-server", "route", "ssh"});
    CHECK(help_tokens("no ip ", kConfig, 15) == V{"domain-name", "name-server", "route", "ssh"});
}

TEST_CASE("ambiguous and incomplete lines in the real table") {
    const Grammar& g = grammar();
    Match m = g.parse("e", kExec, 15);  // enable / exit
    CHECK(m.status == Match::ambiguous);
    CHECK(m.word == "e");
    m = g.parse("e", kConfig, 15);  // end / exit
    CHECK(m.status == Match::ambiguous);
    CHECK(syntax_of(g.parse("ex", kConfig, 15)) == "exit");
    CHECK(g.parse("s", kConfig, 15).status == Match::ambiguous);  // service / snmp-server
    CHECK(g.parse("c", kExec, 15).status == Match::ambiguous);    // configure / copy

    m = g.parse("sh", kExec, 1);
    CHECK(m.status == Match::incomplete);
    CHECK(m.error_offset == 2);
    CHECK(g.parse("configure", kExec, 15).status == Match::incomplete);
    CHECK(g.parse("snmp-server community public", kConfig, 15).status == Match::incomplete);
}

TEST_CASE("typed arguments of the real table match the config model's ranges") {
    const Grammar& g = grammar();
    Match m = g.parse("timeout 0", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("minutes") == 0);
    CHECK(g.parse("timeout 35791", kConfig, 15).args.num("minutes") == 35791);
    m = g.parse("timeout 35792", kConfig, 15);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 8);

    CHECK(g.parse("service ssh 1", kConfig, 15).args.num("max") == 1);
    CHECK(g.parse("service ssh 10", kConfig, 15).args.num("max") == 10);
    m = g.parse("service ssh 11", kConfig, 15);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 12);
    CHECK(g.parse("service ssh 0", kConfig, 15).status == Match::invalid);

    m = g.parse("snmp-server community s3cr3t ro", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("community") == "s3cr3t");
    CHECK(g.parse("no snmp-server community", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no snmp-server community s3cr3t ro", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no hostname", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no hostname edge1", kConfig, 15).args.str("name") == "edge1");
    CHECK(g.parse("no timeout", kConfig, 15).status == Match::ok);
    CHECK(g.parse("hostname edge_1", kConfig, 15).status == Match::invalid);
}

TEST_CASE("the rendered running-config parses back in CONFIG mode") {
    // Lines exactly as micsd::render() writes them (config_model.cpp).
    const Grammar& g = grammar();
    for (const char* line : {"hostname sentry", "timeout 10", "snmp-server community sentry-dev ro", "service ssh 5"}) {
        Match m = g.parse(line, kConfig, 15);
        CHECK_MESSAGE(m.status == Match::ok, line);
        // The community is a credential: the audited form masks it.
        std::string masked = line;
        if (auto at = masked.find("sentry-dev"); at != std::string::npos) masked.replace(at, 10, "***");
        CHECK_MESSAGE(m.masked_line == masked, line);
    }
}

TEST_CASE("completion in the real table") {
    const Grammar& g = grammar();
    CHECK(g.complete("sh", kExec, 1) == V{"show"});
    CHECK(g.complete("show r", kExec, 1) == V{"running-config"});
    CHECK(g.complete("show s", kExec, 1) == V{"sentry", "service", "ssh"});
    CHECK(g.complete("show s", kExec, 15) == V{"sentry", "service", "software", "ssh", "startup-config"});
    CHECK(g.complete("conf", kExec, 15) == V{"configure"});
    CHECK(g.complete("configure ", kExec, 15) == V{"confirm", "replace", "terminal"});
    CHECK(g.complete("e", kConfig, 15) == V{"enable", "end", "exit"});
    CHECK(g.complete("no s", kConfig, 15) == V{"sentry", "service", "snmp-server", "software", "syslog"});
}

TEST_CASE("terminal settings and session show commands are EXEC, privilege 1") {
    const Grammar& g = grammar();
    Match m = g.parse("term len 0", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "terminal length (0-512)$lines");
    CHECK(m.args.num("lines") == 0);
    CHECK(m.masked_line == "terminal length 0");
    CHECK(g.parse("terminal length 512", kExec, 1).args.num("lines") == 512);
    m = g.parse("terminal length 513", kExec, 1);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 16);
    CHECK(g.parse("terminal length", kExec, 1).status == Match::incomplete);
    CHECK(g.parse("term width 132", kExec, 1).args.num("columns") == 132);
    CHECK(g.parse("terminal width 0", kExec, 15).status == Match::ok);
    CHECK(syntax_of(g.parse("term no len", kExec, 1)) == "terminal no length");
    CHECK(syntax_of(g.parse("term no width", kExec, 1)) == "terminal no width");
    CHECK(help_tokens("terminal ", kExec, 1) == V{"length", "no", "width"});

    // Not configuration: only through "do" in CONFIG mode.
    CHECK(g.parse("terminal length 0", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("do terminal length 0", kConfig, 15).status == Match::ok);

    m = g.parse("sh term", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show terminal");
    CHECK(m.cmd->pipes);
    m = g.parse("sh hist", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show history");
    CHECK(m.cmd->pipes);
    CHECK(g.complete("show h", kExec, 1) == V{"history", "httpd"});
    CHECK(g.complete("term", kExec, 1) == V{"terminal"});
}

TEST_CASE("archive, rollback, revert timer, erase, export/import, audit and service commands") {
    const Grammar& g = grammar();
    CHECK(syntax_of(g.parse("sh arch", kExec, 15)) == "show archive");
    Match m = g.parse("sh arch diff 3 7", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("a") == 3);
    CHECK(m.args.num("b") == 7);
    CHECK(g.parse("show archive diff 0 1", kExec, 15).status == Match::invalid);
    CHECK(g.parse("show archive", kExec, 1).status == Match::invalid);
    m = g.parse("conf replace revision 12", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("rev") == 12);
    m = g.parse("conf t revert timer 5", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("minutes") == 5);
    CHECK(g.parse("conf t revert timer 121", kExec, 15).status == Match::invalid);
    CHECK(syntax_of(g.parse("conf t", kExec, 15)) == "configure terminal");
    CHECK(help_tokens("configure ", kExec, 15) == V{"confirm", "replace", "terminal"});
    CHECK(help_tokens("configure terminal ", kExec, 15) == V{"revert", "<cr>"});
    CHECK(syntax_of(g.parse("configure confirm", kConfig, 15)) == "configure confirm");
    CHECK(syntax_of(g.parse("erase startup-config", kExec, 15)) == "erase startup-config");
    CHECK(g.parse("export configuration a.cfg", kExec, 15).args.str("file") == "a.cfg");
    CHECK(g.parse("import configuration a.cfg", kExec, 15).args.str("file") == "a.cfg");
    CHECK(syntax_of(g.parse("sh audit", kExec, 15)) == "show audit [last (1-10000)$n]");
    CHECK(g.parse("show audit last 10001", kExec, 15).status == Match::invalid);
    CHECK(syntax_of(g.parse("sh serv", kExec, 1)) == "show service");
    m = g.parse("service sentry restart", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("sentry"));
    CHECK(m.args.has("restart"));
    CHECK(g.parse("service sentry restart", kExec, 1).status == Match::invalid);
    CHECK(help_tokens("service ", kExec, 15) ==
          V{"iptables", "sentry", "snmp", "splunk-forwarder", "ssh", "tomcat", "tomcat2"});
    CHECK(help_tokens("service ssh ", kExec, 15) == V{"restart", "start", "status", "stop"});
}

TEST_CASE("network rows: routes, name servers, domain and NTP parse to named arguments") {
    const Grammar& g = grammar();
    Match m = g.parse("ip route 10.1.0.0 255.255.0.0 10.0.0.1", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("network") == "10.1.0.0");
    CHECK(m.args.str("mask") == "255.255.0.0");
    CHECK(m.args.str("gateway") == "10.0.0.1");
    m = g.parse("no ip route 10.1.0.0 255.255.0.0", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("no"));
    CHECK_FALSE(m.args.has("gateway"));
    CHECK(g.parse("ip route 10.1.0.0 255.255.0.0 gw", kConfig, 15).status == Match::invalid);

    m = g.parse("ip name-server 10.0.0.53 2", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("ip") == "10.0.0.53");
    CHECK(m.args.num("index") == 2);
    CHECK(g.parse("ip name-server 10.0.0.53 3", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("no ip name-server 10.0.0.53 0", kConfig, 15).status == Match::ok);

    m = g.parse("ip domain-name example.com", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("domain") == "example.com");
    CHECK(g.parse("no ip domain-name", kConfig, 15).status == Match::ok);

    // HOSTNAME takes an IPv4 address too (digits and dots).
    m = g.parse("ntp 192.0.2.1 1", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("server") == "192.0.2.1");
    CHECK(g.parse("ntp pool.ntp.org 3", kConfig, 15).status == Match::ok);
    CHECK(g.parse("ntp pool.ntp.org 0", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("no ntp pool.ntp.org 3", kConfig, 15).status == Match::ok);
    CHECK(g.parse("ntp pool.ntp.org 1", kExec, 15).status == Match::invalid);
}

TEST_CASE("syslog: one row parses the spec's forms; keywords abbreviate; no-form by server and port") {
    const Grammar& g = grammar();
    Match m = g.parse("syslog logs.example.com 6514 TCP audit info disable", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("server") == "logs.example.com");
    CHECK(m.args.num("port") == 6514);
    CHECK(m.args.has("tcp"));
    CHECK(m.args.has("audit"));
    CHECK(m.args.has("info"));
    CHECK(m.args.has("disable"));
    m = g.parse("sysl 2001:db8::1 udp health warn", kConfig, 15);  // port and state left out ("sys" is also system)
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("server") == "2001:db8::1");
    CHECK_FALSE(m.args.has("port"));
    CHECK(m.args.has("health-monitor"));
    CHECK(m.args.has("warning"));
    CHECK(g.parse("syslog 10.0.0.1 514 UDP audit e", kConfig, 15).status == Match::ambiguous);  // emerg / err
    CHECK(g.parse("syslog 10.0.0.1 0 UDP audit info", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("syslog 10.0.0.1 UDP audit", kConfig, 15).status == Match::incomplete);
    CHECK(g.parse("syslog 10.0.0.1 UDP audit info", kConfig, 1).status == Match::invalid);  // privilege 15
    CHECK(g.parse("syslog 10.0.0.1 UDP audit info", kExec, 15).status == Match::invalid);
    m = g.parse("no syslog 10.0.0.1", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    m = g.parse("no syslog 10.0.0.1 514 general", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("general"));
    CHECK(g.parse("show logging", kExec, 1).status == Match::ok);
    CHECK(help_tokens("syslog 10.0.0.1 514 UDP audit ", kConfig, 15) ==
          V{"alert", "crit", "debug", "emerg", "err", "info", "notice", "warning"});
}
