// The typed configuration model owned by MICS.
// Each setting is one row in a field table (config_model.cpp): path, type,
// default, validation and how it renders as a CLI line. Adding a setting is
// adding one row; parse, validate, render and JSON all follow from it.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace micsd {

using Value = std::variant<std::string, long long, bool>;

struct Config {
    // Settings by path; a keyed entry's path is "family[key]" (e.g.
    // "dns.server[0]", "ip.route[10.0.0.0/255.0.0.0]"). Families have no
    // defaults: an absent entry does not exist. Scalars: absent = default
    // (defaults are not stored so a changed default in a new release applies
    // to boxes that never set it).
    std::map<std::string, Value> values;
};

struct FieldInfo {
    std::string path;
    std::string type;   // "string", "int", "bool" (for a keyed family: the entry value's type)
    std::string help;
    Value def;          // a keyed family: the value of an absent entry, if it has one (else unused)
    bool keyed = false; // a family of entries "path[key]" (routes, name servers, NTP servers)
};

// All known fields in canonical render order.
const std::vector<FieldInfo>& fields();
const FieldInfo* find_field(const std::string& path);

// The entries of a keyed family as {key: value}, in render order.
std::vector<std::pair<std::string, Value>> entries(const Config& c, const std::string& family);

// Effective value (set or default) of a scalar. Unknown path throws std::out_of_range.
Value get(const Config& c, const std::string& path);
std::string get_string(const Config& c, const std::string& path);
long long get_int(const Config& c, const std::string& path);

// One edit from the shell. Returns an error message naming the field, or "".
std::string apply_edit(Config& c, const std::string& path, const std::string& op,
                       const std::optional<Value>& value);

// Whole-config validation (cross-field rules); "" when valid.
std::string validate(const Config& c);
// The same verdict as validate(next) when prev is valid, at the cost of what
// changed: a commit's check (App::commit), so a large configuration does not
// make every small change slower.
std::string validate_change(const Config& prev, const Config& next, const std::vector<std::string>& changed);
// Paths whose value differs (set, changed or deleted), in path order: what
// validate_change() takes as `changed`.
std::vector<std::string> changed_paths(const Config& a, const Config& b);

// `show running-config`: non-default settings only, unless all=true.
std::string render(const Config& c, bool all = false);

// Inverse of render(): a whole configuration from CLI text (as `export
// configuration` writes it). Every setting the text can express starts at its
// default; settings without a CLI form keep their value from `keep`. Blank and
// '!' lines are skipped. All or nothing: "" and `out` set, or "line N: why".
inline constexpr std::size_t kMaxConfigText = 1 << 20;
std::string parse_config(const std::string& text, const Config& keep, Config& out);

// JSON text <-> Config. from_json rejects unknown paths and bad types.
std::string to_json(const Config& c);
// What a commit changed, for the store: {"set":{path:value},"del":[path]}
// with next's values at the changed paths (changed_paths()).
std::string delta_json(const Config& next, const std::vector<std::string>& changed);
bool from_json(const std::string& text, Config& out, std::string* err);

}  // namespace micsd
