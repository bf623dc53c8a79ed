#include "config_model.hpp"

#include "config_fields.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <functional>
#include <sstream>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace micsd {

using nlohmann::json;

namespace {

using model::Field;

const std::vector<Field>& table() {
    static const std::vector<Field> t = [] {
        std::vector<Field> v;
        // `show running-config` order (spec §3.1): interfaces, routes, name
        // servers, domain, NTP, hostname, timeout, users; then the rest.
        model::add_interface_fields(v);
        model::add_network_fields(v);
        model::add_system_fields(v);
        model::add_account_fields(v);
        model::add_snmp_fields(v);
        model::add_syslog_fields(v);
        model::add_ssh_fields(v);
        model::add_sentry_fields(v);
        model::add_device_fields(v);
        model::add_platform_fields(v);
        model::add_acl_fields(v);  // after `service iptables`, which bindings need
        return v;
    }();
    return t;
}

const Field* find(const std::string& path) {
    // Every stored path is resolved on each validation: a hash lookup, not a
    // scan of the table, keeps that linear in the size of the configuration.
    static const std::unordered_map<std::string, const Field*> index = [] {
        std::unordered_map<std::string, const Field*> m;
        for (const auto& f : table()) m.emplace(f.info.path, &f);
        return m;
    }();
    auto it = index.find(path);
    return it == index.end() ? nullptr : it->second;
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
    return f && !f->key_check && !f->block_header ? f : nullptr;
}

std::string entry_path(const Field& f, const std::string& key) { return f.info.path + "[" + key + "]"; }

std::size_t count_entries(const Config& c, const Field& f) {
    // Entries "path[...]" sort between "path[" and "path\\" ('[' + 1): a
    // distance between two bounds, no comparison per entry.
    return std::size_t(std::distance(c.values.lower_bound(f.info.path + "["), c.values.lower_bound(f.info.path + "\\")));
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
        for (const auto& f : table())
            if (!f.block_header) v.push_back(f.info);
        return v;
    }();
    return out;
}

const FieldInfo* find_field(const std::string& path) {
    const Field* f = find(path);
    return f && !f->block_header ? &f->info : nullptr;
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

namespace {

// apply_edit(); `limit` = refuse an entry beyond the family's max_entries.
// Counting is linear in the family, so parse_config() leaves it to its final
// validate() instead of counting on every line of a large import.
std::string edit_impl(Config& c, const std::string& path, const std::string& op, const std::optional<Value>& value,
                      bool limit) {
    std::string key;
    const Field* f = resolve(path, key);
    if (!f) return "unknown setting " + path;
    if (op == "delete") {
        if (f->key_check)
            if (std::string why = f->key_check(key); !why.empty()) return path + ": " + why;
        if (f->check_delete)
            if (std::string why = f->check_delete(c, key); !why.empty()) return why;
        c.values.erase(path);
        return {};
    }
    if (op != "set") return "unknown edit operation " + op;
    if (!value) return path + ": a value is required";
    std::string why = check_value(*f, path, key, *value);
    if (!why.empty()) return why;
    if (f->key_check) {
        if (f->key_default) {
            if (auto d = f->key_default(key); d && *value == *d) {
                c.values.erase(path);  // a built-in entry as defined: nothing to store
                return {};
            }
        } else if (f->keys_all && *value == f->info.def) {
            c.values.erase(path);  // a per-entry default is not stored
            return {};
        }
        if (limit && !c.values.count(path) && f->max_entries && count_entries(c, *f) >= f->max_entries)
            return f->info.path + ": at most " + std::to_string(f->max_entries) + " entries";
        c.values[path] = *value;  // a family has no default: every entry is stored
    } else if (*value == f->info.def)
        c.values.erase(path);  // setting the default is the same as not setting it
    else
        c.values[path] = *value;
    return {};
}

}  // namespace

std::string apply_edit(Config& c, const std::string& path, const std::string& op,
                       const std::optional<Value>& value) {
    return edit_impl(c, path, op, value, true);
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
    for (const auto& f : table())
        if (f.check_config)
            if (std::string why = f.check_config(c); !why.empty()) return why;
    return {};
}

std::vector<std::string> changed_paths(const Config& a, const Config& b) {
    // Both maps are sorted: one merge pass, no parsing.
    std::vector<std::string> out;
    auto i = a.values.begin(), j = b.values.begin();
    while (i != a.values.end() || j != b.values.end()) {
        if (j == b.values.end() || (i != a.values.end() && i->first < j->first)) {
            out.push_back((i++)->first);
        } else if (i == a.values.end() || j->first < i->first) {
            out.push_back((j++)->first);
        } else {
            if (!(i->second == j->second)) out.push_back(i->first);
            ++i, ++j;
        }
    }
    return out;
}

std::string validate_change(const Config& prev, const Config& next, const std::vector<std::string>& changed) {
    for (const auto& path : changed) {
        auto it = next.values.find(path);
        if (it == next.values.end()) continue;  // deleted: nothing of its own to check
        std::string key;
        const Field* f = resolve(path, key);
        if (!f) return "unknown setting " + path;
        if (std::string why = check_value(*f, path, key, it->second); !why.empty()) return why;
    }
    // Only a family that gained entries can be over its limit (each counted once).
    std::set<const Field*> grew;
    for (const auto& path : changed) {
        auto open = path.find('[');
        if (open == std::string::npos || !next.values.count(path) || prev.values.count(path)) continue;
        if (const Field* f = find(path.substr(0, open))) grew.insert(f);
    }
    for (const Field* f : grew)
        if (std::string why = check_count(next, *f); !why.empty()) return why;
    for (const auto& f : table()) {
        if (f.check_change) {
            if (std::string why = f.check_change(prev, next, changed); !why.empty()) return why;
            continue;
        }
        if (!f.check_config) continue;
        bool touched = f.check_inputs.empty();
        for (const auto& p : changed)
            for (const auto& in : f.check_inputs) touched = touched || p.rfind(in, 0) == 0;
        if (touched)
            if (std::string why = f.check_config(next); !why.empty()) return why;
    }
    return {};
}

namespace {

std::vector<const Field*> block_members(const Field& head) {
    std::vector<const Field*> out;
    for (const auto& m : table())
        if (m.block == head.info.path) out.push_back(&m);
    return out;
}

// One sub-mode section per key that has any member set (every key with `all`).
void render_block(std::ostringstream& out, const Config& c, const Field& head, bool all) {
    auto members = block_members(head);
    std::vector<std::string> keys;
    if (all && head.block_keys_all) keys = head.block_keys_all();
    for (const Field* m : members)
        for (const auto& e : family_entries(c, *m)) keys.push_back(e.first);
    auto less = [&](const std::string& a, const std::string& b) { return head.key_less ? head.key_less(a, b) : a < b; };
    std::sort(keys.begin(), keys.end(), less);
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& k : keys) {
        out << head.block_header(k) << '\n';
        for (const Field* m : members) {
            auto it = c.values.find(entry_path(*m, k));
            if (it != c.values.end()) out << "  " << m->render_entry(k, it->second) << '\n';
            else if (!m->render_absent.empty()) out << "  " << m->render_absent << '\n';
        }
        out << "  end\n";
    }
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream ws(text);
    for (std::string w; ws >> w;) words.push_back(w);
    return words;
}

}  // namespace

std::string render(const Config& c, bool all) {
    std::ostringstream out;
    for (const auto& f : table()) {
        if (f.block_header) {
            render_block(out, c, f, all);
            continue;
        }
        if (!f.block.empty()) continue;  // rendered inside its block
        if (f.render_entry) {
            auto es = family_entries(c, f);
            if (all && f.keys_all) {  // absent entries of a family with a per-entry default
                for (const auto& k : f.keys_all(c))
                    if (!c.values.count(entry_path(f, k)))
                        es.emplace_back(k, f.key_default ? f.key_default(k).value_or(f.info.def) : f.info.def);
                auto less = [&](const auto& a, const auto& b) { return f.key_less ? f.key_less(a.first, b.first) : a.first < b.first; };
                std::stable_sort(es.begin(), es.end(), less);
            }
            for (const auto& [k, v] : es) out << f.render_entry(k, v) << '\n';
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
    const Field* block = nullptr;  // open sub-mode section, if any
    std::string block_key;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > 4096) return "line " + std::to_string(n) + ": longer than 4096 characters";
        std::vector<std::string> words = split_words(line);
        if (words.empty() || words[0][0] == '!') continue;  // blank or comment
        auto at = [&](const std::string& why) { return "line " + std::to_string(n) + ": " + why; };
        if (!block) {  // a multi-line text block (banner) takes the lines up to its delimiter
            auto next_line = [&](std::string& l) {
                if (!std::getline(in, l)) return false;
                ++n;
                if (!l.empty() && l.back() == '\r') l.pop_back();
                return l.size() <= 4096;
            };
            const Field* text_field = nullptr;
            std::optional<Value> tv;
            for (const auto& f : table()) {
                if (!f.parse_text) continue;
                if (std::string why = f.parse_text(line, next_line, tv); !why.empty()) return at(why);
                if (tv) {
                    text_field = &f;
                    break;
                }
            }
            if (text_field) {
                if (std::string why = edit_impl(next, text_field->info.path, "set", tv, false); !why.empty())
                    return at(why);
                continue;
            }
        }
        std::string path;
        std::optional<Value> v;
        if (block) {
            if (words.size() == 1 && (words[0] == "end" || words[0] == "exit")) {
                block = nullptr;
                continue;
            }
            bool done = false;
            for (const Field* m : block_members(*block)) {
                if (!m->render_absent.empty() && words == split_words(m->render_absent)) {
                    next.values.erase(entry_path(*m, block_key));
                    done = true;
                    break;
                }
                if (auto e = m->parse_entry(words)) {
                    path = entry_path(*m, block_key);
                    v = e->second;
                    break;
                }
            }
            if (done) continue;
            if (path.empty()) block = nullptr;  // a top-level line closes the section, as on IOS
        }
        for (const auto& f : table()) {
            if (!path.empty()) break;
            if (!f.block.empty()) continue;
            if (f.parse_block_header) {
                if (auto key = f.parse_block_header(words)) {
                    if (std::string why = f.key_check(*key); !why.empty()) return at(f.info.path + ": " + why);
                    block = &f;
                    block_key = *key;
                    path = "-";
                }
                continue;
            }
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
        if (path == "-") continue;  // a section header: no value of its own
        if (path.empty()) return at("not a configuration line: " + line.substr(0, 80));
        if (std::string why = edit_impl(next, path, "set", v, false); !why.empty()) return at(why);
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

std::string delta_json(const Config& next, const std::vector<std::string>& changed) {
    json set = json::object(), del = json::array();
    for (const auto& p : changed) {
        auto it = next.values.find(p);
        if (it == next.values.end()) del.push_back(p);
        else std::visit([&](const auto& x) { set[p] = x; }, it->second);
    }
    return json{{"set", set}, {"del", del}}.dump();
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
