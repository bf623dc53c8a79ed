// The CLI grammar: one table of commands drives parsing, '?' help, TAB
// completion and the generated command reference. A command is data:
// an FRR-style syntax string, one help line per token, the modes and
// privilege it needs, and a handler. No macros, no code generation.
//
// Syntax tokens:  keyword | WORD | LINE (rest of line) | PASSWORD (secret word)
//                 | HOSTNAME | (1-10) integer range | A.B.C.D | A.B.C.D/M | X:X::X:X
//                 | Name(1-6) a number glued to a word ("GigabitEthernet1"; the
//                   word may be abbreviated, the argument is the number)
//   [ ... ] optional   { a | b } alternatives   TOKEN$name names the argument.
// Keywords match case-insensitively and keep their spelling in help and the
// reference ("GigabitEthernet").
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

enum Mode : unsigned { kExec = 1u << 0, kConfig = 1u << 1, kConfigIf = 1u << 2 };
using ModeMask = unsigned;
inline constexpr ModeMask kConfigModes = kConfig | kConfigIf;  // CONFIG and its sub-modes
inline constexpr ModeMask kAllModes = kExec | kConfigModes;

// One row per mode. A sub-mode is one row here, one command that enters it
// (CommandDef::enters) and the commands registered for it; the shell keeps
// its context (which interface) and MICS learns the mode's name.
struct ModeInfo {
    Mode mode;
    const char* name;     // MICS session.mode name and prompt suffix: host/<name>#
    Mode parent;          // where "end" and "exit" go from a sub-mode
    const char* title;    // for the command reference
};
const std::vector<ModeInfo>& modes();
const ModeInfo& mode_info(Mode m);
inline bool is_submode(Mode m) { return (m & kConfigModes) && m != kConfig; }

enum class NodeKind { keyword, word, secret, line, hostname, range, ipv4, ipv4_prefix, ipv6 };

struct Node {
    NodeKind kind = NodeKind::keyword;
    std::string text;  // keyword, or the placeholder as written ("WORD", "(1-10)")
    std::string name;  // argument name
    std::string help;
    long long min = 0, max = 0;
    std::string prefix;  // range glued to a word: "GigabitEthernet" of GigabitEthernet(1-6)
};

// Named, typed arguments of a matched command (never positional).
class Args {
public:
    bool has(const std::string& name) const { return v_.count(name) != 0; }
    std::string str(const std::string& name) const;
    long long num(const std::string& name) const;
    void set(const std::string& name, std::string value) { v_[name] = std::move(value); }
    const std::map<std::string, std::string>& all() const { return v_; }

private:
    std::map<std::string, std::string> v_;
};

class Shell;
// Handler result: 0 success, 1 command error (message already printed).
using Handler = std::function<int(Shell&, const Args&)>;

struct CommandDef {
    std::string syntax;
    std::string help;  // '\n'-separated, one line per token in order of appearance
    ModeMask modes = kExec;
    int privilege = 1;  // 1 = EXEC, 15 = PRIVILEGED
    Handler fn;
    bool pipes = false;  // accepts "| include ..." etc. (show commands)
    std::string doc;     // longer description for the command reference
    bool raw_line = false;  // its LINE takes '|' too: output filters belong to the inner command (do)
    Mode enters = Mode(0);  // the sub-mode a successful run enters (offline --check follows it)
    // A multi-line command (`banner login ^C` ... `^C`): while this returns
    // false for its LINE argument "text", the next input line is part of it
    // ('\n'-joined). The handler reads those lines itself; --check uses this.
    bool (*text_complete)(const std::string& text) = nullptr;
};

struct Token {
    std::string text;
    std::size_t offset = 0;
};
std::vector<Token> tokenize(std::string_view line);

struct Match {
    enum Status { ok, empty, invalid, incomplete, ambiguous } status = empty;
    const CommandDef* cmd = nullptr;
    Args args;
    std::size_t error_offset = 0;  // byte offset of the offending token (invalid)
    std::string word;              // the ambiguous word
    std::string masked_line;       // the line with secret arguments replaced by ***
};

struct HelpItem {
    std::string token, help;
};

class Grammar {
public:
    // Throws std::logic_error on a malformed syntax string or help-count mismatch,
    // so a broken table fails at start-up and in the unit tests, not in front of a user.
    void add(CommandDef def);

    Match parse(std::string_view line, Mode mode, int privilege) const;
    // '?' : what may come next (line ends in space) or what the partial word
    // may become. On a bad earlier token, returns false and sets error_offset.
    bool help(std::string_view line, Mode mode, int privilege, std::vector<HelpItem>& out,
              std::size_t& error_offset) const;
    // TAB: keywords the last (partial) word may complete to.
    std::vector<std::string> complete(std::string_view line, Mode mode, int privilege) const;

    const std::vector<CommandDef>& commands() const { return defs_; }
    // Every variant's tokens, for the generated reference and consistency tests.
    struct Variant {
        std::size_t cmd;  // index into commands()
        std::vector<Node> nodes;
    };
    const std::vector<Variant>& variants() const { return variants_; }

    // A line the grammar refused, fit for the audit trail (which leaves the
    // box over syslog): its leading words while each is (a prefix of) some
    // keyword, then "<N more words not recorded>". A refused line has no
    // parse to say which word is a secret, and a mistyped `enable secrte X`
    // must not send X off the box.
    std::string redact_refused(std::string_view line) const;

private:
    struct Walk;
    Walk walk(const std::vector<Token>& toks, std::size_t count, Mode mode, int privilege,
              std::string_view line) const;
    std::vector<CommandDef> defs_;
    std::vector<Variant> variants_;
    std::vector<std::string> keywords_;  // lower case, sorted, unique (redact_refused)
};

// True when s is a valid value for a typed node (keywords: exact match).
bool node_accepts(const Node& n, const std::string& s);

}  // namespace cli
