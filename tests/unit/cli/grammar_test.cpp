// The grammar engine on a small, self-contained table: abbreviation,
// ambiguity, typed arguments, optional/alternative expansion, masking,
// mode/privilege filtering, '?' help and TAB completion, table errors.
#include "grammar.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace cli;

namespace {

int noop(Shell&, const Args&) { return 0; }

CommandDef def(std::string syntax, std::string help, ModeMask modes = kExec, int priv = 1) {
    return CommandDef{std::move(syntax), std::move(help), modes, priv, noop, false, ""};
}

// A small table that exercises every token kind.
Grammar test_grammar() {
    Grammar g;
    g.add(def("show running-config [all]", "Show info\nRunning config\nWith defaults\n"));
    g.add(def("show version", "Show info\nVersion info\n"));
    g.add(def("set timeout (1-60)$minutes", "Set a value\nIdle timeout\nMinutes\n"));
    g.add(def("configure terminal", "Enter config\nFrom the terminal\n", kExec, 15));
    g.add(def("hostname HOSTNAME$name", "Set host name\nThe name\n", kConfig, 15));
    g.add(def("exit", "Leave\n", kAllModes, 1));
    g.add(def("ping A.B.C.D$addr", "Ping IPv4\nAddress\n"));
    g.add(def("ping6 X:X::X:X$addr", "Ping IPv6\nAddress\n"));
    g.add(def("route A.B.C.D/M$prefix", "Add a route\nPrefix\n"));
    g.add(def("username WORD$user password PASSWORD$secret", "User\nUser name\nPassword\nThe secret\n"));
    g.add(def("banner LINE$text", "Banner\nBanner text\n"));
    g.add(def("echo WORD", "Echo\nA word\n"));
    g.add(def("logging {host A.B.C.D$ip|level (0-7)$level}", "Logging\nRemote host\nHost address\nLevel\nSeverity\n"));
    g.add(def("clear [counters|arp]", "Clear\nCounters\nARP cache\n"));
    g.add(def("tag all", "Tag\nEverything\n"));
    g.add(def("tag WORD$name", "Tag\nTag name\n"));
    return g;
}

const Grammar& G() {
    static const Grammar g = test_grammar();
    return g;
}

Match P(const std::string& line, Mode m = kExec, int priv = 15) { return G().parse(line, m, priv); }

std::vector<std::string> tokens_of(const std::vector<HelpItem>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.token);
    return out;
}

std::vector<std::string> H(const std::string& line, Mode m = kExec, int priv = 15) {
    std::vector<HelpItem> out;
    std::size_t off = 999;
    bool ok = G().help(line, m, priv, out, off);
    REQUIRE_MESSAGE(ok, "help failed for '", line, "' at ", off);
    return tokens_of(out);
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("tokenize splits on whitespace and keeps byte offsets") {
    auto t = tokenize("  show\trun  all ");
    REQUIRE(t.size() == 3);
    CHECK(t[0].text == "show");
    CHECK(t[0].offset == 2);
    CHECK(t[1].text == "run");
    CHECK(t[1].offset == 7);
    CHECK(t[2].text == "all");
    CHECK(t[2].offset == 12);
    CHECK(tokenize("").empty());
    CHECK(tokenize("   \t ").empty());
}

TEST_CASE("exact and abbreviated keywords") {
    Match m = P("show running-config");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show running-config [all]");
    CHECK_FALSE(m.args.has("all"));
    CHECK(m.masked_line == "show running-config");

    m = P("sh ru");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show running-config [all]");
    // The audit line carries the canonical keywords, not the abbreviations.
    CHECK(m.masked_line == "show running-config");

    m = P("SH RU AL");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show running-config [all]");
    CHECK(m.args.has("all"));
    CHECK(m.args.str("all") == "all");
    CHECK(m.masked_line == "show running-config all");

    m = P("  show   ver  ");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "show version");
}

TEST_CASE("an empty line is empty") {
    CHECK(P("").status == Match::empty);
    CHECK(P("   ").status == Match::empty);
    CHECK(P("").cmd == nullptr);
}

TEST_CASE("ambiguous abbreviations name the word") {
    Match m = P("s");
    CHECK(m.status == Match::ambiguous);
    CHECK(m.word == "s");
    CHECK(m.error_offset == 0);
    CHECK(m.cmd == nullptr);

    m = P("show v");  // only "version" starts with v
    CHECK(m.status == Match::ok);

    m = P("  pin 1.2.3.4");  // ping / ping6
    CHECK(m.status == Match::ambiguous);
    CHECK(m.word == "pin");
    CHECK(m.error_offset == 2);

    m = P("c");  // clear / configure
    CHECK(m.status == Match::ambiguous);
    CHECK(m.word == "c");
}

TEST_CASE("an exact keyword beats a longer keyword it prefixes") {
    Match m = P("ping 10.0.0.1");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "ping A.B.C.D$addr");
    CHECK(m.args.str("addr") == "10.0.0.1");
    m = P("ping6 ::1");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "ping6 X:X::X:X$addr");
}

TEST_CASE("keywords beat typed arguments at the same position") {
    Match m = P("tag all");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "tag all");
    m = P("tag al");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "tag all");
    m = P("tag blue");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "tag WORD$name");
    CHECK(m.args.str("name") == "blue");
}

TEST_CASE("incomplete commands") {
    Match m = P("show");
    CHECK(m.status == Match::incomplete);
    CHECK(m.error_offset == 4);
    CHECK(m.cmd == nullptr);
    CHECK(P("set timeout").status == Match::incomplete);
    CHECK(P("configure").status == Match::incomplete);
    CHECK(P("banner").status == Match::incomplete);
    CHECK(P("username bob password").status == Match::incomplete);
    CHECK(P("logging").status == Match::incomplete);
}

TEST_CASE("invalid input points at the offending token") {
    Match m = P("show bogus");
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 5);
    CHECK(m.cmd == nullptr);

    m = P("  show   bogus");
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 9);

    m = P("show version extra");
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 13);

    m = P("frobnicate now");
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 0);

    m = P("show running-config all all");
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 24);
}

TEST_CASE("integer ranges are inclusive") {
    Match m = P("set timeout 1");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("minutes") == 1);
    CHECK(m.args.str("minutes") == "1");
    CHECK(P("set timeout 60").args.num("minutes") == 60);
    CHECK(P("set timeout 30").status == Match::ok);

    for (const char* bad : {"0", "61", "-1", "abc", "1.5", "1e3", "+5", "-", "6O"}) {
        Match b = P(std::string("set timeout ") + bad);
        CHECK_MESSAGE(b.status == Match::invalid, bad);
        CHECK_MESSAGE(b.error_offset == 12, bad);
    }
    CHECK(P("logging level 0").status == Match::ok);
    CHECK(P("logging level 7").args.num("level") == 7);
    CHECK(P("logging level 8").status == Match::invalid);
}

TEST_CASE("IPv4 addresses and prefixes") {
    CHECK(P("ping 192.0.2.1").status == Match::ok);
    CHECK(P("ping 0.0.0.0").status == Match::ok);
    CHECK(P("ping 255.255.255.255").status == Match::ok);
    for (const char* bad : {"256.0.0.1", "10.0.0", "10.0.0.1.1", "10.0.0.x", "host", "::1"}) {
        Match b = P(std::string("ping ") + bad);
        CHECK_MESSAGE(b.status == Match::invalid, bad);
        CHECK_MESSAGE(b.error_offset == 5, bad);
    }

    Match m = P("route 10.0.0.0/8");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("prefix") == "10.0.0.0/8");
    CHECK(P("route 0.0.0.0/0").status == Match::ok);
    CHECK(P("route 192.0.2.0/32").status == Match::ok);
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/008",
                            "10.0.0/8", "10.0.0.0/x"}) {
        Match b = P(std::string("route ") + bad);
        CHECK_MESSAGE(b.status == Match::invalid, bad);
        CHECK_MESSAGE(b.error_offset == 6, bad);
    }
}

TEST_CASE("IPv6 addresses") {
    CHECK(P("ping6 2001:db8::1").status == Match::ok);
    CHECK(P("ping6 ::").status == Match::ok);
    CHECK(P("ping6 fe80::1:2:3:4").args.str("addr") == "fe80::1:2:3:4");
    CHECK(P("ping6 2001:db8::g").status == Match::invalid);
    CHECK(P("ping6 2001:db8:::1").status == Match::invalid);
    CHECK(P("ping6 10.0.0.1").status == Match::invalid);
    CHECK(P("ping6 2001:db8::1/64").status == Match::invalid);
}

TEST_CASE("host names") {
    Match m = P("hostname edge-1.example.com", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("name") == "edge-1.example.com");
    CHECK(P("hostname edge_1", kConfig, 15).status == Match::invalid);
    CHECK(P("hostname edge_1", kConfig, 15).error_offset == 9);
    CHECK(P("hostname edge;1", kConfig, 15).status == Match::invalid);
    CHECK(P("hostname " + std::string(254, 'a'), kConfig, 15).status == Match::invalid);
    CHECK(P("hostname " + std::string(253, 'a'), kConfig, 15).status == Match::ok);
}

TEST_CASE("LINE captures the rest of the line verbatim") {
    Match m = P("banner  Hello   |  world!  ");
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "banner LINE$text");
    CHECK(m.args.str("text") == "Hello   |  world!");
    CHECK(m.masked_line == "banner Hello   |  world!");

    m = P("ban x");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("text") == "x");

    // Even words that look like keywords or are very long.
    m = P("banner show version " + std::string(300, 'z'));
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("text") == "show version " + std::string(300, 'z'));
}

TEST_CASE("argument names: $name, or the lowercased placeholder") {
    Match m = P("echo Hello");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("word") == "Hello");
    CHECK(m.args.has("echo"));  // keywords are recorded under their own text
    CHECK_FALSE(m.args.has("WORD"));
    CHECK(m.args.str("missing") == "");
    CHECK(m.args.num("missing") == 0);

    m = P("username bob password hunter2");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("user") == "bob");
    CHECK(m.args.str("secret") == "hunter2");
    CHECK(m.args.all().size() == 4);  // username, user, password, secret
}

TEST_CASE("PASSWORD arguments are masked in masked_line") {
    Match m = P("user bob pass hunter2");
    REQUIRE(m.status == Match::ok);
    CHECK(m.masked_line == "username bob password ***");
    CHECK(m.masked_line.find("hunter2") == std::string::npos);
    CHECK(m.args.str("secret") == "hunter2");
}

TEST_CASE("optional and alternative groups expand to variants") {
    auto count_variants = [](const std::string& syntax) {
        std::size_t n = 0;
        for (const auto& v : G().variants())
            if (G().commands()[v.cmd].syntax == syntax) ++n;
        return n;
    };
    CHECK(count_variants("show running-config [all]") == 2);
    CHECK(count_variants("show version") == 1);
    CHECK(count_variants("logging {host A.B.C.D$ip|level (0-7)$level}") == 2);
    CHECK(count_variants("clear [counters|arp]") == 3);
    CHECK(G().commands().size() == 16);

    Match m = P("logging host 10.1.1.1");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("ip") == "10.1.1.1");
    CHECK_FALSE(m.args.has("level"));
    m = P("logging level 3");
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("level") == 3);
    CHECK_FALSE(m.args.has("ip"));
    CHECK(P("logging host 3").status == Match::invalid);

    CHECK(P("clear").status == Match::ok);
    CHECK(P("clear counters").args.has("counters"));
    CHECK(P("clear arp").args.has("arp"));
    CHECK(P("clear counters arp").status == Match::invalid);

    // Help text follows the token through the expansion.
    for (const auto& v : G().variants()) {
        if (G().commands()[v.cmd].syntax != "logging {host A.B.C.D$ip|level (0-7)$level}") continue;
        REQUIRE(v.nodes.size() == 3);
        CHECK(v.nodes[0].help == "Logging");
        if (v.nodes[1].text == "host") {
            CHECK(v.nodes[1].help == "Remote host");
            CHECK(v.nodes[2].help == "Host address");
            CHECK(v.nodes[2].kind == NodeKind::ipv4);
        } else {
            CHECK(v.nodes[1].text == "level");
            CHECK(v.nodes[1].help == "Level");
            CHECK(v.nodes[2].help == "Severity");
            CHECK(v.nodes[2].kind == NodeKind::range);
            CHECK(v.nodes[2].min == 0);
            CHECK(v.nodes[2].max == 7);
        }
    }
}

TEST_CASE("mode and privilege filter what parses") {
    // configure terminal: EXEC, privilege 15.
    CHECK(P("configure terminal", kExec, 15).status == Match::ok);
    Match m = P("configure terminal", kExec, 1);
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 0);
    CHECK(P("conf t", kConfig, 15).status == Match::invalid);

    // hostname: CONFIG only.
    CHECK(P("hostname edge1", kExec, 15).status == Match::invalid);
    CHECK(P("hostname edge1", kConfig, 1).status == Match::invalid);
    CHECK(P("hostname edge1", kConfig, 15).status == Match::ok);

    // exit: every mode, any privilege.
    CHECK(P("exit", kExec, 1).status == Match::ok);
    CHECK(P("exit", kConfig, 15).status == Match::ok);

    // A hidden command does not make a visible one ambiguous: "c" at privilege 1 is "clear".
    m = P("c", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->syntax == "clear [counters|arp]");
}

TEST_CASE("help after a space lists the next tokens, keywords sorted, <cr> last") {
    CHECK(H("show ") == V{"running-config", "version"});
    CHECK(H("show running-config ") == V{"all", "<cr>"});
    CHECK(H("show running-config all ") == V{"<cr>"});
    CHECK(H("set timeout ") == V{"(1-60)"});
    CHECK(H("clear ") == V{"arp", "counters", "<cr>"});
    CHECK(H("tag ") == V{"all", "WORD"});
    CHECK(H("ping ") == V{"A.B.C.D"});
    CHECK(H("sh ru ") == V{"all", "<cr>"});

    std::vector<HelpItem> items;
    std::size_t off = 0;
    REQUIRE(G().help("show ", kExec, 1, items, off));
    REQUIRE(items.size() == 2);
    CHECK(items[0].help == "Running config");
    CHECK(items[1].help == "Version info");
    REQUIRE(G().help("set timeout ", kExec, 1, items, off));
    REQUIRE(items.size() == 1);
    CHECK(items[0].help == "Minutes");
    REQUIRE(G().help("show running-config ", kExec, 1, items, off));
    CHECK(items.back().token == "<cr>");
    CHECK(items.back().help == "");
}

TEST_CASE("help on an empty line lists what the mode and privilege allow") {
    CHECK(H("", kExec, 1) ==
          V{"banner", "clear", "echo", "exit", "logging", "ping", "ping6", "route", "set", "show", "tag", "username"});
    CHECK(H("", kExec, 15) == V{"banner", "clear", "configure", "echo", "exit", "logging", "ping", "ping6", "route",
                                "set", "show", "tag", "username"});
    CHECK(H("", kConfig, 15) == V{"exit", "hostname"});
    CHECK(H("", kConfig, 1) == V{"exit"});
}

TEST_CASE("help on a partial word lists the matches for that word") {
    CHECK(H("s") == V{"set", "show"});
    CHECK(H("sh") == V{"show"});
    CHECK(H("show r") == V{"running-config"});
    CHECK(H("pi") == V{"ping", "ping6"});
    CHECK(H("set timeout 5") == V{"(1-60)"});
    // A complete command is not offered <cr> while the word is still being typed.
    CHECK(H("show running-config a") == V{"all"});
}

TEST_CASE("help reports where the line went wrong") {
    std::vector<HelpItem> items;
    std::size_t off = 0;
    CHECK_FALSE(G().help("show bogus ", kExec, 15, items, off));
    CHECK(off == 5);
    CHECK_FALSE(G().help("show zz", kExec, 15, items, off));
    CHECK(off == 5);
    CHECK_FALSE(G().help("s ", kExec, 15, items, off));  // ambiguous earlier word
    CHECK(off == 0);
    CHECK_FALSE(G().help("set timeout 99", kExec, 15, items, off));
    CHECK(off == 12);
    CHECK_FALSE(G().help("configure ", kExec, 1, items, off));
    CHECK(off == 0);
}

TEST_CASE("complete returns the unique keywords the word may become") {
    CHECK(G().complete("sh", kExec, 15) == V{"show"});
    CHECK(G().complete("s", kExec, 15) == V{"set", "show"});
    CHECK(G().complete("show ", kExec, 15) == V{"running-config", "version"});
    CHECK(G().complete("show r", kExec, 15) == V{"running-config"});
    CHECK(G().complete("SHOW R", kExec, 15) == V{"running-config"});
    CHECK(G().complete("pi", kExec, 15) == V{"ping", "ping6"});
    CHECK(G().complete("tag ", kExec, 15) == V{"all"});  // typed arguments are not completed
    CHECK(G().complete("set timeout ", kExec, 15).empty());
    CHECK(G().complete("zz", kExec, 15).empty());
    CHECK(G().complete("show bogus ", kExec, 15).empty());
    CHECK(G().complete("co", kExec, 1).empty());  // configure needs privilege 15
    CHECK(G().complete("co", kExec, 15) == V{"configure"});
    CHECK(G().complete("h", kConfig, 15) == V{"hostname"});
    CHECK(G().complete("h", kExec, 15).empty());
}

TEST_CASE("node_accepts for each token kind") {
    auto node = [](NodeKind k, const std::string& text = "", long long lo = 0, long long hi = 0) {
        Node n;
        n.kind = k;
        n.text = text;
        n.min = lo;
        n.max = hi;
        return n;
    };
    CHECK(node_accepts(node(NodeKind::keyword, "show"), "show"));
    CHECK(node_accepts(node(NodeKind::keyword, "show"), "SHOW"));
    CHECK_FALSE(node_accepts(node(NodeKind::keyword, "show"), "sh"));
    CHECK(node_accepts(node(NodeKind::word), "anything"));
    CHECK_FALSE(node_accepts(node(NodeKind::word), ""));
    CHECK_FALSE(node_accepts(node(NodeKind::word), "|"));  // the pipe is not a word
    CHECK(node_accepts(node(NodeKind::word), std::string(256, 'w')));
    CHECK_FALSE(node_accepts(node(NodeKind::word), std::string(257, 'w')));
    CHECK_FALSE(node_accepts(node(NodeKind::secret), "|"));
    CHECK(node_accepts(node(NodeKind::line), std::string(1000, 'l')));
    CHECK_FALSE(node_accepts(node(NodeKind::line), ""));
    CHECK(node_accepts(node(NodeKind::range, "(-5-5)", -5, 5), "-5"));
    CHECK(node_accepts(node(NodeKind::range, "(-5-5)", -5, 5), "5"));
    CHECK_FALSE(node_accepts(node(NodeKind::range, "(-5-5)", -5, 5), "-6"));
    CHECK_FALSE(node_accepts(node(NodeKind::range, "(0-10)", 0, 10), "99999999999999999999"));
}

TEST_CASE("negative ranges parse from the syntax string") {
    Grammar g;
    g.add(def("offset (-12-14)$hours", "Offset\nHours\n"));
    REQUIRE(g.variants().size() == 1);
    CHECK(g.variants()[0].nodes[1].min == -12);
    CHECK(g.variants()[0].nodes[1].max == 14);
    CHECK(g.parse("offset -12", kExec, 1).status == Match::ok);
    CHECK(g.parse("offset -13", kExec, 1).status == Match::invalid);
}

TEST_CASE("add() rejects malformed table rows") {
    Grammar g;
    CHECK_THROWS_AS(g.add(def("show version", "Show\n")), std::logic_error);            // too few help lines
    CHECK_THROWS_AS(g.add(def("show version", "Show\nVersion\nExtra\n")), std::logic_error);  // too many
    CHECK_THROWS_AS(g.add(def("show [all", "Show\nAll\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("show all]", "Show\nAll\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("show {a|b", "Show\nA\nB\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("show {a|b}}", "Show\nA\nB\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("show [a}", "Show\nA\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("sh*w", "Show\n")), std::logic_error);           // letters, digits, - _ . only
    CHECK_THROWS_AS(g.add(def("show (5-1)", "Show\nRange\n")), std::logic_error);  // empty range
    CHECK_THROWS_AS(g.add(def("show (5)", "Show\nRange\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("show WORD$", "Show\nWord\n")), std::logic_error);
    // Nothing half-added.
    CHECK(g.commands().empty());
    CHECK(g.variants().empty());

    Grammar g2;
    CHECK_THROWS_AS(g2.add(def("say LINE WORD", "Say\nText\nMore\n")), std::logic_error);  // LINE must be last
    Grammar g3;
    CHECK_THROWS_AS(g3.add(def("[all]", "All\n")), std::logic_error);  // may expand to nothing
}

// Regression: the LINE-must-be-last and expands-to-nothing checks run after
// the command was already appended, so add() leaves a half-registered row
// behind when it throws (no strong exception guarantee, unlike the other checks).
TEST_CASE("a rejected row leaves the grammar unchanged") {
    Grammar g;
    CHECK_THROWS_AS(g.add(def("say LINE WORD", "Say\nText\nMore\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("[all]", "All\n")), std::logic_error);
    CHECK(g.commands().empty());
    CHECK(g.variants().empty());
}

// Regression: a top-level '|' outside any group ends the syntax string silently:
// "show a | b" registers as "show a" and the rest is dropped, instead of the
// malformed syntax being rejected at start-up.
TEST_CASE("a stray '|' outside a group is a malformed syntax string") {
    Grammar g;
    CHECK_THROWS_AS(g.add(def("show a | b", "Show\nA\n")), std::logic_error);
    CHECK_THROWS_AS(g.add(def("show a | b", "Show\nA\nB\n")), std::logic_error);
}

TEST_CASE("help lines may or may not end in a newline") {
    Grammar g;
    g.add(def("show version", "Show\nVersion"));
    REQUIRE(g.variants().size() == 1);
    CHECK(g.variants()[0].nodes[1].help == "Version");
}

// Regression: a range argument of 19 digits that overflows long long makes
// node_accepts() call std::stoll on it, which throws std::out_of_range out of
// Grammar::parse() instead of reporting "% Invalid input" (the length guard
// is "> 19" but 19 nines already exceed LLONG_MAX).
TEST_CASE("an overflowing number is invalid input, not an exception") {
    Match m;
    CHECK_NOTHROW(m = P("set timeout 9999999999999999999"));
    CHECK(m.status == Match::invalid);
    CHECK(m.error_offset == 12);
    std::vector<HelpItem> items;
    std::size_t off = 0;
    CHECK_NOTHROW(G().help("set timeout 9999999999999999999", kExec, 15, items, off));
}
