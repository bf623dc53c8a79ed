#include "config_model.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
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

bool type_matches(const Field& f, const Value& v) {
    if (f.info.type == "string") return std::holds_alternative<std::string>(v);
    if (f.info.type == "int") return std::holds_alternative<long long>(v);
    return std::holds_alternative<bool>(v);
}

std::string check_value(const Field& f, const Value& v) {
    if (!type_matches(f, v)) return f.info.path + ": expected " + f.info.type;
    if (f.info.type == "int") {
        long long n = std::get<long long>(v);
        if (n < f.min || n > f.max)
            return f.info.path + ": " + std::to_string(n) + " is out of range " +
                   std::to_string(f.min) + "-" + std::to_string(f.max);
    }
    if (f.check) {
        std::string why = f.check(v);
        if (!why.empty()) return f.info.path + ": " + why;
    }
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

Value get(const Config& c, const std::string& path) {
    const Field* f = find(path);
    if (!f) throw std::out_of_range("unknown config path " + path);
    auto it = c.values.find(path);
    return it == c.values.end() ? f->info.def : it->second;
}

std::string get_string(const Config& c, const std::string& path) {
    return std::get<std::string>(get(c, path));
}

long long get_int(const Config& c, const std::string& path) { return std::get<long long>(get(c, path)); }

std::string apply_edit(Config& c, const std::string& path, const std::string& op,
                       const std::optional<Value>& value) {
    const Field* f = find(path);
    if (!f) return "unknown setting " + path;
    if (op == "delete") {
        c.values.erase(path);
        return {};
    }
    if (op != "set") return "unknown edit operation " + op;
    if (!value) return path + ": a value is required";
    std::string why = check_value(*f, *value);
    if (!why.empty()) return why;
    if (*value == f->info.def)
        c.values.erase(path);  // setting the default is the same as not setting it
    else
        c.values[path] = *value;
    return {};
}

std::string validate(const Config& c) {
    for (const auto& [path, v] : c.values) {
        const Field* f = find(path);
        if (!f) return "unknown setting " + path;
        std::string why = check_value(*f, v);
        if (!why.empty()) return why;
    }
    return {};
}

std::string render(const Config& c, bool all) {
    std::ostringstream out;
    for (const auto& f : table()) {
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
        if (f.render) continue;
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
        const Field* hit = nullptr;
        std::optional<Value> v;
        for (const auto& f : table()) {
            if (f.parse && (v = f.parse(words))) {
                hit = &f;
                break;
            }
        }
        if (!hit) return "line " + std::to_string(n) + ": not a configuration line: " + line.substr(0, 80);
        if (std::string why = apply_edit(next, hit->info.path, "set", v); !why.empty())
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
        const Field* f = find(path);
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
        std::string why = check_value(*f, val);
        if (!why.empty()) {
            if (err) *err = why;
            return false;
        }
        c.values[path] = val;
    }
    out = std::move(c);
    return true;
}

}  // namespace micsd
