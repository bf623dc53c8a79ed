#include "grammar.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cctype>
#include <memory>
#include <set>
#include <stdexcept>

namespace cli {

namespace {

constexpr std::size_t kMaxWord = 256;

std::string lower(std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = char(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

bool iprefix(std::string_view input, std::string_view kw) {
    if (input.size() > kw.size()) return false;
    for (std::size_t i = 0; i < input.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(input[i])) != std::tolower(static_cast<unsigned char>(kw[i])))
            return false;
    return true;
}

bool valid_hostname(const std::string& h) {
    if (h.empty() || h.size() > 253) return false;
    return std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
}

// ---- syntax string -> variants -------------------------------------------

struct Item;
using Seq = std::vector<Item>;
struct Item {
    enum { node, optional, alt } kind = node;
    Node n;
    std::vector<Seq> seqs;  // optional: one seq; alt: alternatives
};

Node make_node(const std::string& tok) {
    Node n;
    std::string t = tok, name;
    if (auto d = t.find('$'); d != std::string::npos) {
        name = t.substr(d + 1);
        t = t.substr(0, d);
        if (name.empty()) throw std::logic_error("empty argument name in '" + tok + "'");
    }
    n.text = t;
    if (t == "WORD") n.kind = NodeKind::word;
    else if (t == "PASSWORD") n.kind = NodeKind::secret;
    else if (t == "LINE") n.kind = NodeKind::line;
    else if (t == "HOSTNAME") n.kind = NodeKind::hostname;
    else if (t == "A.B.C.D") n.kind = NodeKind::ipv4;
    else if (t == "A.B.C.D/M") n.kind = NodeKind::ipv4_prefix;
    else if (t == "X:X::X:X") n.kind = NodeKind::ipv6;
    else if (auto open = t.find('('); open != std::string::npos && t.size() > open + 2 && t.back() == ')') {
        n.kind = NodeKind::range;
        n.prefix = t.substr(0, open);
        for (char c : n.prefix)
            if (!std::isalpha(static_cast<unsigned char>(c))) throw std::logic_error("bad range prefix " + t);
        std::string r = t.substr(open);
        auto dash = r.find('-', 2);
        if (dash == std::string::npos) throw std::logic_error("bad range " + t);
        n.min = std::stoll(r.substr(1, dash - 1));
        n.max = std::stoll(r.substr(dash + 1, r.size() - dash - 2));
        if (n.min > n.max) throw std::logic_error("empty range " + t);
    } else {
        for (char c : t)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
                throw std::logic_error("bad keyword '" + t + "'");
        n.kind = NodeKind::keyword;
    }
    n.name = name.empty() ? lower(t) : name;
    return n;
}

std::vector<std::string> lex(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == ' ') flush();
        else if (c == '[' || c == ']' || c == '{' || c == '}' || c == '|') {
            // '(' ranges never contain these, so they are always structure.
            flush();
            out.emplace_back(1, c);
        } else cur.push_back(c);
    }
    flush();
    return out;
}

Seq parse_seq(const std::vector<std::string>& t, std::size_t& i, const std::string& stop);

Item parse_group(const std::vector<std::string>& t, std::size_t& i, char open) {
    Item it;
    it.kind = open == '[' ? Item::optional : Item::alt;
    std::string close = open == '[' ? "]" : "}";
    for (;;) {
        it.seqs.push_back(parse_seq(t, i, close));
        if (i >= t.size()) throw std::logic_error("unclosed group");
        if (t[i] == close) {
            ++i;
            break;
        }
        ++i;  // '|'
    }
    if (it.kind == Item::optional && it.seqs.size() > 1) {
        // [a|b] = optional alternatives
        Item alt;
        alt.kind = Item::alt;
        alt.seqs = std::move(it.seqs);
        it.seqs = {Seq{alt}};
    }
    return it;
}

Seq parse_seq(const std::vector<std::string>& t, std::size_t& i, const std::string& stop) {
    Seq seq;
    while (i < t.size()) {
        const std::string& x = t[i];
        if (x == "|" && stop.empty()) throw std::logic_error("'|' outside a group");
        if (x == "|" || x == stop) return seq;
        if (x == "]" || x == "}") throw std::logic_error("unbalanced '" + x + "'");
        ++i;
        if (x == "[" || x == "{") seq.push_back(parse_group(t, i, x[0]));
        else {
            Item it;
            it.n = make_node(x);
            seq.push_back(std::move(it));
        }
    }
    if (!stop.empty()) throw std::logic_error("missing '" + stop + "'");
    return seq;
}

void collect_nodes(Seq& seq, std::vector<Node*>& out) {
    for (auto& it : seq) {
        if (it.kind == Item::node) out.push_back(&it.n);
        else
            for (auto& s : it.seqs) collect_nodes(s, out);
    }
}

void expand(const Seq& seq, std::size_t k, std::vector<Node>& cur, std::vector<std::vector<Node>>& out) {
    if (k == seq.size()) {
        out.push_back(cur);
        return;
    }
    const Item& it = seq[k];
    if (it.kind == Item::node) {
        cur.push_back(it.n);
        expand(seq, k + 1, cur, out);
        cur.pop_back();
        return;
    }
    std::vector<Seq> choices = it.seqs;
    if (it.kind == Item::optional) choices.push_back({});
    for (const Seq& choice : choices) {
        Seq rest(choice.begin(), choice.end());
        rest.insert(rest.end(), seq.begin() + long(k) + 1, seq.end());
        expand(rest, 0, cur, out);
    }
}

}  // namespace

const std::vector<ModeInfo>& modes() {
    static const std::vector<ModeInfo> t = {
        {kExec, "exec", kExec, "EXEC and PRIVILEGED"},
        {kConfig, "config", kExec, "CONFIG"},
        {kConfigIf, "config-if", kConfig, "INTERFACE"},
    };
    return t;
}

const ModeInfo& mode_info(Mode m) {
    for (const auto& i : modes())
        if (i.mode == m) return i;
    return modes().front();
}

std::string Args::str(const std::string& name) const {
    auto it = v_.find(name);
    return it == v_.end() ? std::string() : it->second;
}

long long Args::num(const std::string& name) const {
    auto it = v_.find(name);
    return it == v_.end() ? 0 : std::stoll(it->second);
}

std::vector<Token> tokenize(std::string_view line) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i >= line.size()) break;
        std::size_t start = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        out.push_back({std::string(line.substr(start, i - start)), start});
    }
    return out;
}

bool node_accepts(const Node& n, const std::string& s) {
    if (s.empty() || s.size() > kMaxWord) return n.kind == NodeKind::line && !s.empty();
    switch (n.kind) {
        case NodeKind::keyword: return lower(s) == lower(n.text);
        case NodeKind::word:
        case NodeKind::secret: return s.find('|') == std::string::npos || s.size() > 1;
        case NodeKind::line: return true;
        case NodeKind::hostname: return valid_hostname(s);
        case NodeKind::range: {
            if (!n.prefix.empty()) {
                // "GigabitEthernet1", "gi1": an abbreviation of the word, then the number.
                std::size_t d = 0;
                while (d < s.size() && std::isalpha(static_cast<unsigned char>(s[d]))) ++d;
                if (d == 0 || d == s.size() || !iprefix(s.substr(0, d), n.prefix)) return false;
                Node plain = n;
                plain.prefix.clear();
                return node_accepts(plain, s.substr(d));
            }
            std::size_t k = (s[0] == '-') ? 1 : 0;
            if (k == s.size() || s.size() > 19) return false;
            for (std::size_t j = k; j < s.size(); ++j)
                if (!std::isdigit(static_cast<unsigned char>(s[j]))) return false;
            // from_chars reports overflow instead of throwing (a 19-digit number can exceed long long).
            long long v = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc() || end != s.data() + s.size()) return false;
            return v >= n.min && v <= n.max;
        }
        case NodeKind::ipv4: {
            in_addr a{};
            return inet_pton(AF_INET, s.c_str(), &a) == 1;
        }
        case NodeKind::ipv4_prefix: {
            auto slash = s.find('/');
            if (slash == std::string::npos) return false;
            in_addr a{};
            std::string m = s.substr(slash + 1);
            if (m.empty() || m.size() > 2 || !std::all_of(m.begin(), m.end(), ::isdigit)) return false;
            return inet_pton(AF_INET, s.substr(0, slash).c_str(), &a) == 1 && std::stoi(m) <= 32;
        }
        case NodeKind::ipv6: {
            in6_addr a{};
            return inet_pton(AF_INET6, s.c_str(), &a) == 1;
        }
    }
    return false;
}

void Grammar::add(CommandDef def) {
    std::vector<std::string> toks = lex(def.syntax);
    std::size_t i = 0;
    Seq seq = parse_seq(toks, i, "");
    std::vector<Node*> nodes;
    collect_nodes(seq, nodes);
    std::vector<std::string> helps;
    std::size_t start = 0;
    while (start <= def.help.size()) {
        auto nl = def.help.find('\n', start);
        if (nl == std::string::npos) nl = def.help.size();
        if (nl > start) helps.push_back(def.help.substr(start, nl - start));
        start = nl + 1;
    }
    if (helps.size() != nodes.size())
        throw std::logic_error("'" + def.syntax + "': " + std::to_string(nodes.size()) + " tokens but " +
                               std::to_string(helps.size()) + " help lines");
    for (std::size_t k = 0; k < nodes.size(); ++k) nodes[k]->help = helps[k];
    std::vector<std::vector<Node>> expanded;
    std::vector<Node> cur;
    expand(seq, 0, cur, expanded);
    // Check every variant before adding anything, so a rejected row leaves no trace.
    for (const auto& e : expanded) {
        if (e.empty()) throw std::logic_error("'" + def.syntax + "' can expand to nothing");
        for (std::size_t k = 0; k + 1 < e.size(); ++k)
            if (e[k].kind == NodeKind::line) throw std::logic_error("'" + def.syntax + "': LINE must be last");
    }
    std::size_t idx = defs_.size();
    defs_.push_back(std::move(def));
    for (auto& e : expanded) {
        for (const Node& n : e)
            if (n.kind == NodeKind::keyword) {
                std::string k = lower(n.text);
                auto at = std::lower_bound(keywords_.begin(), keywords_.end(), k);
                if (at == keywords_.end() || *at != k) keywords_.insert(at, std::move(k));
            }
        variants_.push_back({idx, std::move(e)});
    }
}

// Walks the tokens [0, count) over the visible variants with Cisco's rules:
// an exact keyword beats a partial one, one distinct partial keyword is an
// abbreviation, several are ambiguous; keywords beat typed arguments.
struct Grammar::Walk {
    std::vector<const Variant*> alive;
    std::vector<const Variant*> line_done;  // a LINE node swallowed the rest
    Match::Status status = Match::ok;
    std::size_t error_token = 0;
};

Grammar::Walk Grammar::walk(const std::vector<Token>& toks, std::size_t count, Mode mode, int privilege,
                            std::string_view) const {
    Walk w;
    for (const auto& v : variants_) {
        const CommandDef& d = defs_[v.cmd];
        if ((d.modes & mode) && privilege >= d.privilege) w.alive.push_back(&v);
    }
    for (std::size_t i = 0; i < count; ++i) {
        const std::string& in = toks[i].text;
        std::vector<const Variant*> exact_kw, partial_kw, typed, line;
        std::set<std::string> partial_words;
        for (const Variant* v : w.alive) {
            if (v->nodes.size() <= i) continue;
            const Node& n = v->nodes[i];
            if (n.kind == NodeKind::keyword) {
                if (lower(in) == lower(n.text)) exact_kw.push_back(v);
                else if (iprefix(in, n.text)) {
                    partial_kw.push_back(v);
                    partial_words.insert(n.text);
                }
            } else if (n.kind == NodeKind::line) {
                line.push_back(v);
            } else if (node_accepts(n, in)) {
                typed.push_back(v);
            }
        }
        if (!exact_kw.empty()) w.alive = exact_kw;
        else if (partial_words.size() > 1) {
            w.status = Match::ambiguous;
            w.error_token = i;
            return w;
        } else if (!partial_kw.empty()) w.alive = partial_kw;
        else if (!typed.empty()) w.alive = typed;
        else if (!line.empty()) {
            w.line_done = line;
            w.alive.clear();
            return w;
        } else {
            w.status = Match::invalid;
            w.error_token = i;
            return w;
        }
    }
    return w;
}

Match Grammar::parse(std::string_view line, Mode mode, int privilege) const {
    Match m;
    auto toks = tokenize(line);
    if (toks.empty()) return m;
    Walk w = walk(toks, toks.size(), mode, privilege, line);
    if (w.status == Match::invalid) {
        m.status = Match::invalid;
        m.error_offset = toks[w.error_token].offset;
        return m;
    }
    if (w.status == Match::ambiguous) {
        m.status = Match::ambiguous;
        m.word = toks[w.error_token].text;
        m.error_offset = toks[w.error_token].offset;
        return m;
    }
    const Variant* chosen = nullptr;
    for (const Variant* v : w.alive)
        if (v->nodes.size() == toks.size()) {
            chosen = v;
            break;
        }
    if (!chosen && !w.line_done.empty()) chosen = w.line_done.front();
    if (!chosen) {
        m.status = w.alive.empty() ? Match::invalid : Match::incomplete;
        m.error_offset = line.size();
        return m;
    }
    m.status = Match::ok;
    m.cmd = &defs_[chosen->cmd];
    std::string masked;
    for (std::size_t i = 0; i < toks.size() && i < chosen->nodes.size(); ++i) {
        const Node& n = chosen->nodes[i];
        std::string val = toks[i].text;
        if (n.kind == NodeKind::line) {
            val = std::string(line.substr(toks[i].offset));
            while (!val.empty() && std::isspace(static_cast<unsigned char>(val.back()))) val.pop_back();
        }
        std::string arg = n.kind == NodeKind::keyword ? n.text : val;
        if (n.kind == NodeKind::range && !n.prefix.empty()) {
            std::size_t d = 0;
            while (d < val.size() && std::isalpha(static_cast<unsigned char>(val[d]))) ++d;
            arg = val.substr(d);
        }
        m.args.set(n.name, arg);
        if (!masked.empty()) masked += ' ';
        masked += n.kind == NodeKind::secret ? "***" : (n.kind == NodeKind::keyword ? n.text : val);
        if (n.kind == NodeKind::line) break;
    }
    m.masked_line = masked;
    return m;
}

bool Grammar::help(std::string_view line, Mode mode, int privilege, std::vector<HelpItem>& out,
                   std::size_t& error_offset) const {
    auto toks = tokenize(line);
    bool partial = !line.empty() && !std::isspace(static_cast<unsigned char>(line.back())) && !toks.empty();
    std::size_t fixed = partial ? toks.size() - 1 : toks.size();
    Walk w = walk(toks, fixed, mode, privilege, line);
    if (w.status != Match::ok) {
        error_offset = toks[w.error_token].offset;
        return false;
    }
    std::set<std::string> seen;
    bool cr = false;
    std::vector<HelpItem> kws, typed;
    for (const Variant* v : w.alive) {
        if (v->nodes.size() == fixed) {
            cr = true;
            continue;
        }
        const Node& n = v->nodes[fixed];
        if (partial) {
            const std::string& in = toks.back().text;
            if (n.kind == NodeKind::keyword ? !iprefix(in, n.text) : !node_accepts(n, in)) continue;
        }
        if (!seen.insert(n.text).second) continue;
        (n.kind == NodeKind::keyword ? kws : typed).push_back({n.text, n.help});
    }
    if (!w.line_done.empty()) cr = true;
    auto by_token = [](const HelpItem& a, const HelpItem& b) { return a.token < b.token; };
    std::sort(kws.begin(), kws.end(), by_token);
    out = kws;
    out.insert(out.end(), typed.begin(), typed.end());
    if (cr && !partial) out.push_back({"<cr>", ""});
    if (out.empty() && partial) {
        error_offset = toks.back().offset;
        return false;
    }
    return true;
}

std::vector<std::string> Grammar::complete(std::string_view line, Mode mode, int privilege) const {
    std::vector<std::string> out;
    auto toks = tokenize(line);
    bool partial = !line.empty() && !std::isspace(static_cast<unsigned char>(line.back())) && !toks.empty();
    std::size_t fixed = partial ? toks.size() - 1 : toks.size();
    Walk w = walk(toks, fixed, mode, privilege, line);
    if (w.status != Match::ok) return out;
    std::set<std::string> seen;
    std::string in = partial ? toks.back().text : "";
    for (const Variant* v : w.alive) {
        if (v->nodes.size() <= fixed) continue;
        const Node& n = v->nodes[fixed];
        if (n.kind == NodeKind::keyword && iprefix(in, n.text) && seen.insert(n.text).second) out.push_back(n.text);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string Grammar::redact_refused(std::string_view line) const {
    std::vector<Token> toks = tokenize(line);
    std::string out;
    std::size_t kept = 0;
    for (; kept < toks.size(); ++kept) {
        std::string w = lower(toks[kept].text);
        // Keywords sorted: the first one not below w is the only candidate
        // that w can be a prefix of (or equal to).
        auto at = std::lower_bound(keywords_.begin(), keywords_.end(), w);
        if (w.empty() || w.size() > kMaxWord || at == keywords_.end() || at->compare(0, w.size(), w) != 0) break;
        if (!out.empty()) out += ' ';
        out += toks[kept].text;
    }
    if (std::size_t rest = toks.size() - kept; rest > 0) {
        if (!out.empty()) out += ' ';
        out += "<" + std::to_string(rest) + (rest == 1 ? " more word" : " more words") + " not recorded>";
    }
    return out;
}

}  // namespace cli
