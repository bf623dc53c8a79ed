// Private to the config model: the row type of the field table and the
// helpers rows share. Each subtree of the configuration (network, system,
// accounts, SNMP, sentry, ...) lives in its own config_fields_<area>.cpp with
// one add_<area>_fields() function; config_model.cpp calls them in
// `show running-config` order. Adding a subtree is adding one such file:
// schema, validation, render and parse sit together in its rows. Appliers
// (app.cpp) read the values through config_model.hpp.
#pragma once
#include "config_model.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace micsd::model {

struct Field {
    FieldInfo info;
    long long min = 0, max = 0;  // int range
    std::function<std::string(const Value&)> check;  // "" ok, else reason
    // Renders the CLI line for a value (must parse back to the same edit).
    std::function<std::string(const Value&)> render;
    // Inverse of render for `import configuration`: the value if the line's
    // words are this field's render form, else nullopt. Checks run afterwards.
    std::function<std::optional<Value>(const std::vector<std::string>&)> parse;
    // Multi-line form (the login banner): called with the raw line before the
    // word parsers; when the line opens this field's text block it reads the
    // following lines with next_line (false at the end of the text) and sets
    // out. Returns "" or why the block is malformed.
    std::function<std::string(const std::string& line, const std::function<bool(std::string&)>& next_line,
                               std::optional<Value>& out)>
        parse_text;

    // Keyed family ("path[key]"); set when key_check is set. No defaults.
    std::function<std::string(const std::string& key)> key_check;  // "" ok, else reason
    std::function<std::string(const std::string& key, const Value&)> render_entry;
    // Inverse of render_entry: {key, value} if the words are this family's line.
    // A block member ignores the key it returns: the block header gives it.
    std::function<std::optional<std::pair<std::string, Value>>(const std::vector<std::string>&)> parse_entry;
    std::function<bool(const std::string&, const std::string&)> key_less;  // render order; null = by text
    std::size_t max_entries = 0;  // 0 = only what key_check allows
    // A family with a per-entry default (per-service settings): absent entries
    // take info.def, setting info.def deletes the entry (as for a scalar), and
    // `show running-config all` renders info.def for every key keys_all lists.
    std::function<std::vector<std::string>(const Config&)> keys_all;

    // Blocks (sub-mode sections such as `interface GigabitEthernet 1`):
    // a head row (block_header set, info.path = block name, no value of its
    // own) followed by member rows (block = that name, keyed families sharing
    // the head's key). Rendered as the header, each member's line indented two
    // spaces, then "  end". The head's key_check / key_less apply to the keys.
    std::function<std::string(const std::string& key)> block_header;
    std::function<std::optional<std::string>(const std::vector<std::string>&)> parse_block_header;
    std::function<std::vector<std::string>()> block_keys_all;  // keys `show running-config all` lists
    std::string block;                                       // member: name of its head row
    // Member: the line for an absent entry (e.g. "no ip address"); "" = none.
    std::string render_absent;

    // A family whose absent entries have a per-key default (built-in ACL
    // services): the key's default or nullopt. Setting an entry to it deletes
    // the entry; `show running-config all` renders it for the keys keys_all lists.
    std::function<std::optional<Value>(const std::string& key)> key_default;
    // A family: why deleting entry `key` from `c` is refused ("in use by ..."), or "".
    std::function<std::string(const Config& c, const std::string& key)> check_delete;
    // Whole-config rule of a subtree (references between entries), run by
    // validate() once every value passed its own checks. "" or why.
    std::function<std::string(const Config&)> check_config;
    // The same rule for a commit: `next` differs from `prev` (valid) only at
    // `changed` paths, so only what they touch needs checking. Null: the
    // commit runs check_config when a changed path starts with one of
    // check_inputs (every commit when check_inputs is empty).
    std::function<std::string(const Config& prev, const Config& next, const std::vector<std::string>& changed)>
        check_change;
    std::vector<std::string> check_inputs;
};

// Shared validators and parse helpers.
bool valid_hostname(const std::string& h);
std::optional<std::uint32_t> ipv4(const std::string& s);  // strict dotted quad
std::string check_index(const std::string& key, int lo, int hi);
bool printable_word(const std::string& s, std::size_t max);
// Exact keyword words (nullptr = any word) and exactly `total` words.
bool words_are(const std::vector<std::string>& w, std::initializer_list<const char*> kw, std::size_t total);
// An int word, or the word itself so the type check names the field.
Value int_or_word(const std::string& s);

// One per subtree, in render order (config_model.cpp calls them).
void add_interface_fields(std::vector<Field>& v);
void add_network_fields(std::vector<Field>& v);
void add_system_fields(std::vector<Field>& v);
void add_account_fields(std::vector<Field>& v);
void add_snmp_fields(std::vector<Field>& v);
void add_syslog_fields(std::vector<Field>& v);
void add_ssh_fields(std::vector<Field>& v);
void add_sentry_fields(std::vector<Field>& v);
void add_device_fields(std::vector<Field>& v);
void add_platform_fields(std::vector<Field>& v);
void add_acl_fields(std::vector<Field>& v);

}  // namespace micsd::model
