// Access control lists (spec §5.15, decisions in docs/acl.md): the typed view
// of the `acl.*` families, the one parser/formatter of their values, the
// cross-entry rules, and the management-lockout check. The model rows
// (config_fields_acl.cpp), the iptables applier (apply_iptables.cpp) and
// `show access-list` (ops_acl.cpp) all read ACLs through this header, so a
// value is parsed by exactly one piece of code.
//
// Stored values are canonical CLI text (what follows the name on the line):
//   acl.network[NAME]     "host A.B.C.D [description T]" | "subnet A.B.C.D/M [description T]"
//   acl.service[NAME]     "{tcp|udp} [src-port N] [dst-port N] [description T]" | "ip [protocol N] [description T]"
//   acl.description[ACL]  "T"
//   acl.entry[ACL:SEQ]    "{permit|deny} SRC DST SERVICE [rate N] [description T]"
//   acl.binding[N]        "ACL"   (GigabitEthernet N, 1-6)
#pragma once
#include "config_model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace micsd::acl {

inline constexpr std::size_t kMaxName = 64;
inline constexpr std::size_t kMaxDescription = 128;
inline constexpr long long kMaxSeq = 65535;
inline constexpr long long kMaxRate = 100000;  // new connections per minute per source
inline constexpr const char* kAny = "any";

struct Network {
    std::uint32_t addr = 0;
    int prefix = 32;
    bool host = true;  // `host A.B.C.D` (prefix 32) vs `subnet A.B.C.D/M`
    std::string description;
    bool contains(std::uint32_t ip) const;
};

enum class Proto { tcp, udp, ip };

struct Service {
    Proto proto = Proto::tcp;
    int src_port = 0, dst_port = 0;  // tcp/udp: 0 = any
    int protocol = 0;                // ip: IP protocol number, 0 = any
    std::string description;
};

struct Ace {
    bool permit = true;
    std::string src = kAny, dst = kAny, service = kAny;
    long long rate = 0;  // connections per minute, 0 = unlimited (permit only)
    std::string description;
};

// Parse a stored value; nullopt and *why on a malformed one.
std::optional<Network> parse_network(const std::string& v, std::string* why);
std::optional<Service> parse_service(const std::string& v, std::string* why);
std::optional<Ace> parse_ace(const std::string& v, std::string* why);
std::string format(const Network& n);
std::string format(const Service& s);
std::string format(const Ace& a);
// Value checks for the model rows: parses and requires the canonical text.
std::string check_network(const std::string& v);
std::string check_service(const std::string& v);
std::string check_ace(const std::string& v);
std::string check_description(const std::string& t);

// Object and ACL names: 1-64 of letters, digits, '_', '.', '-', starting
// with a letter or digit; never "any". "" or why.
std::string check_name(const std::string& n);
// "ACL:SEQ" keys of acl.entry; sorted by name, then by number.
std::string entry_key(const std::string& acl, long long seq);
bool split_entry_key(const std::string& key, std::string& acl, long long& seq);
std::string check_entry_key(const std::string& key);
bool entry_key_less(const std::string& a, const std::string& b);

// Pre-populated network services (spec §5.15): name -> canonical value.
const std::vector<std::pair<std::string, std::string>>& builtin_services();
std::optional<std::string> builtin_service(const std::string& name);

// Everything in one place, values parsed (malformed values are skipped:
// validate() reports them).
struct View {
    std::map<std::string, Network> networks;
    std::map<std::string, Service> services;  // built-ins included
    std::map<std::string, std::string> descriptions;
    std::map<std::string, std::vector<std::pair<long long, Ace>>> lists;  // entries in sequence order
    std::map<int, std::string> bindings;  // GigabitEthernet N -> ACL
};
View view(const Config& c);
// The same for what the packet filter installs: the bindings, the lists they
// name and the objects those lists use (linear in the bound lists only).
View bound_view(const Config& c);
// Whether a commit that changed `changed` can alter what the bound lists do:
// a binding, a bound list, an object, the filter switch. Edits to lists
// bound nowhere cannot.
bool touches_bound(const Config& next, const std::vector<std::string>& changed);

// Cross-entry rules (references, bindings, the packet filter switch). "" or why.
std::string validate(const Config& c);
// The same rules for a commit from a valid prev: only what the changed
// paths can break is looked at (a reference scan only when an object is deleted).
std::string validate_change(const Config& prev, const Config& next, const std::vector<std::string>& changed);
bool exists(const Config& c, const std::string& acl);  // has entries or a description
// Why an entry cannot be deleted now ("in use by ..."), or "".
std::string check_delete(const Config& c, const std::string& family, const std::string& key);

// First-match evaluation of a new inbound TCP connection from `src` to
// `dst_port` on GigabitEthernet `iface` (destination address = the
// interface's configured address when it has one). True = let through.
// Reads only the list bound there and the objects its entries name.
bool admits_tcp(const Config& c, int iface, std::uint32_t src, int dst_port);
// Refuses `next` when a bound ACL would stop new SSH connections from the
// session's own address (an IPv4 address; other sources are not checked).
// `changed` (changed_paths()) limits the check to commits that can alter
// the verdict: bindings, bound lists, objects, addresses, the filter switch,
// the SSH port (`ip ssh port`).
std::string check_lockout(const Config& next, const std::string& source, int ssh_port,
                          const std::vector<std::string>& changed);

}  // namespace micsd::acl
