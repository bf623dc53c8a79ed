#include "config_model.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace micsd {

using nlohmann::json;

namespace {

// DoD-style notice is a preset a later issue adds; the factory banner is our own text.
const char* kDefaultBanner =
    "Authorized use only. Activity on this system is monitored and recorded.\n"
    "Disconnect now if you are not an authorized user.";

bool valid_hostname(const std::string& h) {
    // RFC 1123 labels, dots allowed (the reference product takes an FQDN).
    if (h.empty() || h.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        char ch = h[i];
        if (ch == '.') {
            if (label == 0 || h[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-')) return false;
        if (label == 0 && ch == '-') return false;
        if (++label > 63) return false;
    }
    return h.back() != '-' && h.back() != '.';
}

// Strict dotted quad: four decimal parts 0-255, no leading zeros, nothing else.
std::optional<std::uint32_t> ipv4(const std::string& s) {
    std::uint32_t out = 0;
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        std::size_t j = i;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        if (j == i || j - i > 3 || (j - i > 1 && s[i] == '0')) return std::nullopt;
        unsigned n = 0;
        for (std::size_t k = i; k < j; ++k) n = n * 10 + unsigned(s[k] - '0');
        if (n > 255) return std::nullopt;
        out = (out << 8) | n;
        if (part == 3) return j == s.size() ? std::optional<std::uint32_t>(out) : std::nullopt;
        if (j >= s.size() || s[j] != '.') return std::nullopt;
        i = j + 1;
    }
    return std::nullopt;
}

// A route key "network/mask" as two numbers, or nullopt.
std::optional<std::pair<std::uint32_t, std::uint32_t>> route_key(const std::string& key) {
    auto slash = key.find('/');
    if (slash == std::string::npos) return std::nullopt;
    auto net = ipv4(key.substr(0, slash)), mask = ipv4(key.substr(slash + 1));
    if (!net || !mask) return std::nullopt;
    return std::make_pair(*net, *mask);
}

std::string check_route_key(const std::string& key) {
    auto slash = key.find('/');
    if (slash == std::string::npos) return "key must be <network>/<netmask>";
    std::string n = key.substr(0, slash), m = key.substr(slash + 1);
    auto net = ipv4(n);
    if (!net) return "network " + n + " is not an IPv4 address";
    auto mask = ipv4(m);
    if (!mask) return "netmask " + m + " is not an IPv4 address";
    std::uint32_t inv = ~*mask;
    if ((inv & (inv + 1)) != 0) return "netmask " + m + " is not contiguous";
    if ((*net & inv) != 0) return "network " + n + " has host bits set for netmask " + m;
    return {};
}

std::string check_index(const std::string& key, int lo, int hi) {
    if (key.size() == 1 && key[0] >= '0' + lo && key[0] <= '0' + hi) return {};
    return "index " + key.substr(0, 16) + " is out of range " + std::to_string(lo) + "-" + std::to_string(hi);
}

bool printable_word(const std::string& s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

struct Field {
    FieldInfo info;
    long long min = 0, max = 0;  // int range
    std::function<std::string(const Value&)> check;  // "" ok, else reason
    // Renders the CLI line for a value (must parse back to the same edit).
    std::function<std::string(const Value&)> render;
    // Inverse of render for `import configuration`: the value if the line's
    // words are this field's render form, else nullopt. Checks run afterwards.
    std::function<std::optional<Value>(const std::vector<std::string>&)> parse;

    // Keyed family ("path[key]"); set when key_check is set. No defaults.
    std::function<std::string(const std::string& key)> key_check;  // "" ok, else reason
    std::function<std::string(const std::string& key, const Value&)> render_entry;
    // Inverse of render_entry: {key, value} if the words are this family's line.
    std::function<std::optional<std::pair<std::string, Value>>(const std::vector<std::string>&)> parse_entry;
    std::function<bool(const std::string&, const std::string&)> key_less;  // render order; null = by text
    std::size_t max_entries = 0;  // 0 = only what key_check allows
};

// Parse helpers: exact keyword words, one value word at index i.
bool words_are(const std::vector<std::string>& w, std::initializer_list<const char*> kw, std::size_t total) {
    if (w.size() != total) return false;
    std::size_t i = 0;
    for (const char* k : kw) {
        if (k && w[i] != k) return false;
        ++i;
    }
    return true;
}

// An int word, or the word itself so the type check names the field.
Value int_or_word(const std::string& s) {
    long long n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size()) return s;
    return n;
}

const std::vector<Field>& table() {
    static const std::vector<Field> t = [] {
        std::vector<Field> v;
        // Keyed families and the domain come first: show running-config order
        // is routes, name servers, domain, NTP, hostname, timeout (spec §3.1).
        v.push_back({{"ip.route", "string", "Static IPv4 routes: [network/netmask] -> gateway", std::string(), true},
                     0, 0,
                     [](const Value& x) {
                         return ipv4(std::get<std::string>(x)) ? std::string()
                                                                : std::string("gateway must be an IPv4 address");
                     },
                     nullptr});
        v.back().key_check = check_route_key;
        v.back().render_entry = [](const std::string& k, const Value& x) {
            auto slash = k.find('/');
            return "ip route " + k.substr(0, slash) + " " + k.substr(slash + 1) + " " + std::get<std::string>(x);
        };
        v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
            if (!words_are(w, {"ip", "route", nullptr, nullptr, nullptr}, 5)) return std::nullopt;
            return std::make_pair(w[2] + "/" + w[3], Value(w[4]));
        };
        v.back().key_less = [](const std::string& a, const std::string& b) {
            auto ka = route_key(a), kb = route_key(b);
            if (ka && kb) return *ka < *kb;
            return a < b;
        };
        v.back().max_entries = 64;

        v.push_back({{"dns.server", "string", "DNS name servers: [0] preferred, [1]-[2] alternates", std::string(),
                      true},
                     0, 0,
                     [](const Value& x) {
                         return ipv4(std::get<std::string>(x)) ? std::string()
                                                                : std::string("must be an IPv4 address");
                     },
                     nullptr});
        v.back().key_check = [](const std::string& k) { return check_index(k, 0, 2); };
        v.back().render_entry = [](const std::string& k, const Value& x) {
            return "ip name-server " + std::get<std::string>(x) + " " + k;
        };
        v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
            if (!words_are(w, {"ip", "name-server", nullptr, nullptr}, 4)) return std::nullopt;
            return std::make_pair(w[3], Value(w[2]));
        };

        v.push_back({{"dns.domain", "string", "Default DNS domain", std::string("")},
                     0, 0,
                     [](const Value& x) {
                         return valid_hostname(std::get<std::string>(x))
                                    ? std::string()
                                    : std::string("must be a domain name of letters, digits, '-' and '.' (max 253)");
                     },
                     [](const Value& x) { return "ip domain-name " + std::get<std::string>(x); }});
        v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
            if (!words_are(w, {"ip", "domain-name", nullptr}, 3)) return std::nullopt;
            return w[2];
        };

        v.push_back({{"ntp.server", "string", "NTP servers: [1] primary, [2] secondary, [3] tertiary", std::string(),
                      true},
                     0, 0,
                     [](const Value& x) {
                         const auto& s = std::get<std::string>(x);
                         bool dotted_digits = std::all_of(s.begin(), s.end(), [](char ch) {
                             return ch == '.' || std::isdigit(static_cast<unsigned char>(ch));
                         });
                         bool ok = dotted_digits ? ipv4(s).has_value() : valid_hostname(s);
                         return ok ? std::string() : std::string("must be an IPv4 address or a host name");
                     },
                     nullptr});
        v.back().key_check = [](const std::string& k) { return check_index(k, 1, 3); };
        v.back().render_entry = [](const std::string& k, const Value& x) {
            return "ntp " + std::get<std::string>(x) + " " + k;
        };
        v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
            if (!words_are(w, {"ntp", nullptr, nullptr}, 3)) return std::nullopt;
            return std::make_pair(w[2], Value(w[1]));
        };

        v.push_back({{"system.hostname", "string", "Appliance host name (FQDN)", std::string("sentry")},
                     0, 0,
                     [](const Value& x) {
                         return valid_hostname(std::get<std::string>(x))
                                    ? std::string()
                                    : std::string("must be a host name of letters, digits, '-' and '.' (max 253)");
                     },
                     [](const Value& x) { return "hostname " + std::get<std::string>(x); }});
        v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
            if (!words_are(w, {"hostname", nullptr}, 2)) return std::nullopt;
            return w[1];
        };
        v.push_back({{"system.cli.timeout", "int", "CLI idle session timeout in minutes (0 = never)", 10LL},
                     0, 35791, nullptr,
                     [](const Value& x) { return "timeout " + std::to_string(std::get<long long>(x)); }});
        v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
            if (!words_are(w, {"timeout", nullptr}, 2)) return std::nullopt;
            return int_or_word(w[1]);
        };
        v.push_back({{"snmp.community", "string", "SNMP v2c read-only community", std::string("")},
                     0, 0,
                     [](const Value& x) {
                         return printable_word(std::get<std::string>(x), 64)
                                    ? std::string()
                                    : std::string("must be 1-64 printable characters without spaces");
                     },
                     [](const Value& x) {
                         return "snmp-server community " + std::get<std::string>(x) + " ro";
                     }});
        v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
            if (!words_are(w, {"snmp-server", "community", nullptr, "ro"}, 4)) return std::nullopt;
            return w[2];
        };
        v.push_back({{"ssh.banner", "string", "Login banner shown before authentication", std::string(kDefaultBanner)},
                     0, 0,
                     [](const Value& x) {
                         return std::get<std::string>(x).size() <= 4096 ? std::string()
                                                                        : std::string("longer than 4096 characters");
                     },
                     nullptr /* rendered with the banner command once it exists */});
        v.push_back({{"ssh.max_sessions", "int", "Maximum concurrent SSH sessions", 5LL}, 1, 10, nullptr,
                     [](const Value& x) { return "service ssh " + std::to_string(std::get<long long>(x)); }});
        v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
            if (!words_are(w, {"service", "ssh", nullptr}, 3)) return std::nullopt;
            return int_or_word(w[2]);
        };
        return v;
    }();
    return t;
}

const Field* find(const std::string& path) {
    for (const auto& f : table())
        if (f.info.path == path) return &f;
    return nullptr;
}

// The row for a stored path: a scalar by its path, a family entry "family[key]"
// (key set). nullptr for unknown paths and for a bare family name.
const Field* resolve(const std::string& path, std::string& key) {
    auto open = path.find('[');
    if (open != std::string::npos && path.size() > open + 1 && path.back() == ']') {
        const Field* f = find(path.substr(0, open));
        if (!f || !f->key_check) return nullptr;
        key = path.substr(open + 1, path.size() - open - 2);
        return f;
    }
    const Field* f = find(path);
    return f && !f->key_check ? f : nullptr;
}

std::string entry_path(const Field& f, const std::string& key) { return f.info.path + "[" + key + "]"; }

std::size_t count_entries(const Config& c, const Field& f) {
    std::string prefix = f.info.path + "[";
    std::size_t n = 0;
    for (auto it = c.values.lower_bound(prefix); it != c.values.end() && it->first.rfind(prefix, 0) == 0; ++it) ++n;
    return n;
}

std::vector<std::pair<std::string, Value>> family_entries(const Config& c, const Field& f) {
    std::string prefix = f.info.path + "[";
    std::vector<std::pair<std::string, Value>> out;
    for (auto it = c.values.lower_bound(prefix); it != c.values.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        const std::string& p = it->first;
        if (p.back() != ']') continue;
        out.emplace_back(p.substr(prefix.size(), p.size() - prefix.size() - 1), it->second);
    }
    if (f.key_less)
        std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return f.key_less(a.first, b.first); });
    return out;
}

bool type_matches(const Field& f, const Value& v) {
    if (f.info.type == "string") return std::holds_alternative<std::string>(v);
    if (f.info.type == "int") return std::holds_alternative<long long>(v);
    return std::holds_alternative<bool>(v);
}

// Key (for a family entry) and value checks; messages start with the full path.
std::string check_value(const Field& f, const std::string& path, const std::string& key, const Value& v) {
    if (f.key_check) {
        std::string why = f.key_check(key);
        if (!why.empty()) return path + ": " + why;
    }
    if (!type_matches(f, v)) return path + ": expected " + f.info.type;
    if (f.info.type == "int") {
        long long n = std::get<long long>(v);
        if (n < f.min || n > f.max)
            return path + ": " + std::to_string(n) + " is out of range " +
                   std::to_string(f.min) + "-" + std::to_string(f.max);
    }
    if (f.check) {
        std::string why = f.check(v);
        if (!why.empty()) return path + ": " + why;
    }
    return {};
}

std::string check_count(const Config& c, const Field& f) {
    if (f.max_entries && count_entries(c, f) > f.max_entries)
        return f.info.path + ": at most " + std::to_string(f.max_entries) + " entries";
    return {};
}

}  // namespace

const std::vector<FieldInfo>& fields() {
    static const std::vector<FieldInfo> out = [] {
        std::vector<FieldInfo> v;
        for (const auto& f : table()) v.push_back(f.info);
        return v;
    }();
    return out;
}

const FieldInfo* find_field(const std::string& path) {
    const Field* f = find(path);
    return f ? &f->info : nullptr;
}

std::vector<std::pair<std::string, Value>> entries(const Config& c, const std::string& family) {
    const Field* f = find(family);
    if (!f || !f->key_check) throw std::out_of_range("not a keyed config family " + family);
    return family_entries(c, *f);
}

Value get(const Config& c, const std::string& path) {
    const Field* f = find(path);
    if (!f || f->key_check) throw std::out_of_range("unknown config path " + path);
    auto it = c.values.find(path);
    return it == c.values.end() ? f->info.def : it->second;
}

std::string get_string(const Config& c, const std::string& path) {
    return std::get<std::string>(get(c, path));
}

long long get_int(const Config& c, const std::string& path) { return std::get<long long>(get(c, path)); }

std::string apply_edit(Config& c, const std::string& path, const std::string& op,
                       const std::optional<Value>& value) {
    std::string key;
    const Field* f = resolve(path, key);
    if (!f) return "unknown setting " + path;
    if (op == "delete") {
        if (f->key_check)
            if (std::string why = f->key_check(key); !why.empty()) return path + ": " + why;
        c.values.erase(path);
        return {};
    }
    if (op != "set") return "unknown edit operation " + op;
    if (!value) return path + ": a value is required";
    std::string why = check_value(*f, path, key, *value);
    if (!why.empty()) return why;
    if (f->key_check) {
        if (!c.values.count(path) && f->max_entries && count_entries(c, *f) >= f->max_entries)
            return f->info.path + ": at most " + std::to_string(f->max_entries) + " entries";
        c.values[path] = *value;  // a family has no default: every entry is stored
    } else if (*value == f->info.def)
        c.values.erase(path);  // setting the default is the same as not setting it
    else
        c.values[path] = *value;
    return {};
}

std::string validate(const Config& c) {
    for (const auto& [path, v] : c.values) {
        std::string key;
        const Field* f = resolve(path, key);
        if (!f) return "unknown setting " + path;
        std::string why = check_value(*f, path, key, v);
        if (!why.empty()) return why;
    }
    for (const auto& f : table())
        if (std::string why = check_count(c, f); !why.empty()) return why;
    return {};
}

std::string render(const Config& c, bool all) {
    std::ostringstream out;
    for (const auto& f : table()) {
        if (f.render_entry) {
            for (const auto& [k, v] : family_entries(c, f)) out << f.render_entry(k, v) << '\n';
            continue;
        }
        if (!f.render) continue;
        auto it = c.values.find(f.info.path);
        if (it != c.values.end()) {
            out << f.render(it->second) << '\n';
        } else if (all) {
            // A default that is "unset" (empty string) renders as its no-form.
            if (f.info.type == "string" && std::get<std::string>(f.info.def).empty()) continue;
            out << f.render(f.info.def) << '\n';
        }
    }
    return out.str();
}

std::string parse_config(const std::string& text, const Config& keep, Config& out) {
    if (text.size() > kMaxConfigText) return "the configuration text is larger than 1 MiB";
    // Settings without a CLI form cannot appear in the text: keep their current value.
    Config next;
    for (const auto& f : table()) {
        if (f.render || f.render_entry) continue;
        if (auto it = keep.values.find(f.info.path); it != keep.values.end()) next.values[f.info.path] = it->second;
    }
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > 4096) return "line " + std::to_string(n) + ": longer than 4096 characters";
        std::vector<std::string> words;
        std::istringstream ws(line);
        for (std::string w; ws >> w;) words.push_back(w);
        if (words.empty() || words[0][0] == '!') continue;  // blank or comment
        std::string path;
        std::optional<Value> v;
        for (const auto& f : table()) {
            if (f.parse && (v = f.parse(words))) {
                path = f.info.path;
                break;
            }
            if (f.parse_entry) {
                if (auto e = f.parse_entry(words)) {
                    path = entry_path(f, e->first);
                    v = e->second;
                    break;
                }
            }
        }
        if (path.empty()) return "line " + std::to_string(n) + ": not a configuration line: " + line.substr(0, 80);
        if (std::string why = apply_edit(next, path, "set", v); !why.empty())
            return "line " + std::to_string(n) + ": " + why;
    }
    if (std::string why = validate(next); !why.empty()) return why;
    out = std::move(next);
    return {};
}

std::string to_json(const Config& c) {
    json j = json::object();
    for (const auto& [path, v] : c.values)
        std::visit([&](const auto& x) { j[path] = x; }, v);
    return j.dump();
}

bool from_json(const std::string& text, Config& out, std::string* err) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        if (err) *err = "stored configuration is not a JSON object";
        return false;
    }
    Config c;
    for (auto& [path, v] : j.items()) {
        std::string key;
        const Field* f = resolve(path, key);
        if (!f) {
            if (err) *err = "unknown setting " + path;
            return false;
        }
        Value val;
        if (v.is_string()) val = v.get<std::string>();
        else if (v.is_boolean()) val = v.get<bool>();
        else if (v.is_number_integer()) val = v.get<long long>();
        else {
            if (err) *err = path + ": unsupported JSON type";
            return false;
        }
        std::string why = check_value(*f, path, key, val);
        if (!why.empty()) {
            if (err) *err = why;
            return false;
        }
        c.values[path] = val;
    }
    for (const auto& f : table())
        if (std::string why = check_count(c, f); !why.empty()) {
            if (err) *err = why;
            return false;
        }
    out = std::move(c);
    return true;
}

}  // namespace micsd
