#include "acl.hpp"

#include "config_fields.hpp"

#include <algorithm>
#include <optional>
#include <cctype>
#include <charconv>
#include <functional>
#include <string_view>

namespace micsd::acl {

namespace {

std::vector<std::string> split(const std::string& v) {
    std::vector<std::string> w;
    std::size_t i = 0;
    while (i < v.size()) {
        std::size_t j = v.find(' ', i);
        if (j == std::string::npos) j = v.size();
        if (j > i) w.push_back(v.substr(i, j - i));
        i = j + 1;
    }
    return w;
}

std::string join(const std::vector<std::string>& w, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < w.size(); ++i) out += (out.empty() ? "" : " ") + w[i];
    return out;
}

// A decimal number in [lo, hi]; nullopt otherwise.
std::optional<long long> number(const std::string& s, long long lo, long long hi) {
    if (s.empty() || s.size() > 12) return std::nullopt;
    long long n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || n < lo || n > hi) return std::nullopt;
    return n;
}

std::string ip_text(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
           "." + std::to_string(a & 255);
}

std::uint32_t mask_of(int prefix) { return prefix == 0 ? 0 : ~std::uint32_t(0) << (32 - prefix); }

// The optional trailing "description TEXT" from word i on; false when
// something else is there.
bool take_description(const std::vector<std::string>& w, std::size_t i, std::string& out, std::string* why) {
    if (i == w.size()) return true;
    if (w[i] != "description" || i + 1 == w.size()) {
        *why = "unexpected '" + w[i].substr(0, 32) + "' (expected 'description TEXT' or the end)";
        return false;
    }
    out = join(w, i + 1);
    return true;
}

std::string with_description(std::string s, const std::string& d) {
    return d.empty() ? s : s + " description " + d;
}

bool valid_ref(const std::string& n) { return n == kAny || check_name(n).empty(); }

const char* proto_name(Proto p) { return p == Proto::tcp ? "tcp" : p == Proto::udp ? "udp" : "ip"; }

}  // namespace

bool Network::contains(std::uint32_t ip) const { return (ip & mask_of(prefix)) == (addr & mask_of(prefix)); }

std::string check_name(const std::string& n) {
    if (n.empty() || n.size() > kMaxName) return "a name has 1-" + std::to_string(kMaxName) + " characters";
    if (!std::isalnum(static_cast<unsigned char>(n[0]))) return "a name starts with a letter or digit";
    for (char ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-')
            return "a name is letters, digits, '_', '.' and '-' only";
    if (n == kAny) return "'any' is reserved (it means every address or service)";
    return {};
}

std::string check_description(const std::string& t) {
    if (t.empty() || t.size() > kMaxDescription)
        return "description has 1-" + std::to_string(kMaxDescription) + " characters";
    for (char ch : t)
        if (ch < 0x20 || ch > 0x7e) return "description is printable ASCII only";
    if (t.front() == ' ' || t.back() == ' ' || t.find("  ") != std::string::npos)
        return "description: words separated by single spaces";
    return {};
}

std::optional<Network> parse_network(const std::string& v, std::string* why) {
    std::string dummy;
    if (!why) why = &dummy;
    auto w = split(v);
    Network n;
    if (w.size() < 2 || (w[0] != "host" && w[0] != "subnet")) {
        *why = "must be 'host A.B.C.D' or 'subnet A.B.C.D/M'";
        return std::nullopt;
    }
    n.host = w[0] == "host";
    std::string addr = w[1];
    if (!n.host) {
        auto slash = addr.find('/');
        auto len = slash == std::string::npos ? std::nullopt : number(addr.substr(slash + 1), 0, 32);
        if (!len) {
            *why = "subnet " + addr.substr(0, 32) + " is not A.B.C.D/M (M 0-32)";
            return std::nullopt;
        }
        n.prefix = int(*len);
        addr = addr.substr(0, slash);
    }
    auto ip = model::ipv4(addr);
    if (!ip) {
        *why = "address " + addr.substr(0, 32) + " is not an IPv4 address";
        return std::nullopt;
    }
    n.addr = *ip;
    if ((n.addr & ~mask_of(n.prefix)) != 0) {
        *why = "subnet " + w[1] + " has host bits set (network is " + ip_text(n.addr & mask_of(n.prefix)) + "/" +
               std::to_string(n.prefix) + ")";
        return std::nullopt;
    }
    if (!take_description(w, 2, n.description, why)) return std::nullopt;
    return n;
}

std::string format(const Network& n) {
    std::string s = n.host ? "host " + ip_text(n.addr) : "subnet " + ip_text(n.addr) + "/" + std::to_string(n.prefix);
    return with_description(s, n.description);
}

std::optional<Service> parse_service(const std::string& v, std::string* why) {
    std::string dummy;
    if (!why) why = &dummy;
    auto w = split(v);
    Service s;
    if (w.empty() || (w[0] != "tcp" && w[0] != "udp" && w[0] != "ip")) {
        *why = "type must be tcp, udp or ip";
        return std::nullopt;
    }
    s.proto = w[0] == "tcp" ? Proto::tcp : w[0] == "udp" ? Proto::udp : Proto::ip;
    std::size_t i = 1;
    auto value = [&](const char* kw, long long hi, int& out) {
        if (i >= w.size() || w[i] != kw) return true;  // optional: absent
        auto n = i + 1 < w.size() ? number(w[i + 1], 0, hi) : std::nullopt;
        if (!n) {
            *why = std::string(kw) + " must be 0-" + std::to_string(hi);
            return false;
        }
        out = int(*n);
        i += 2;
        return true;
    };
    if (s.proto == Proto::ip) {
        if (!value("protocol", 255, s.protocol)) return std::nullopt;
    } else {
        if (!value("src-port", 65535, s.src_port) || !value("dst-port", 65535, s.dst_port)) return std::nullopt;
    }
    if (!take_description(w, i, s.description, why)) return std::nullopt;
    return s;
}

std::string format(const Service& s) {
    std::string out = proto_name(s.proto);
    if (s.proto == Proto::ip) {
        if (s.protocol) out += " protocol " + std::to_string(s.protocol);
    } else {
        if (s.src_port) out += " src-port " + std::to_string(s.src_port);
        if (s.dst_port) out += " dst-port " + std::to_string(s.dst_port);
    }
    return with_description(out, s.description);
}

std::optional<Ace> parse_ace(const std::string& v, std::string* why) {
    std::string dummy;
    if (!why) why = &dummy;
    auto w = split(v);
    if (w.size() < 4 || (w[0] != "permit" && w[0] != "deny")) {
        *why = "must be '{permit|deny} SOURCE DESTINATION SERVICE'";
        return std::nullopt;
    }
    Ace a;
    a.permit = w[0] == "permit";
    a.src = w[1];
    a.dst = w[2];
    a.service = w[3];
    for (auto [what, n] : {std::pair{"source", &a.src}, {"destination", &a.dst}, {"service", &a.service}})
        if (!valid_ref(*n)) {
            *why = std::string(what) + " '" + n->substr(0, 32) + "': " + check_name(*n);
            return std::nullopt;
        }
    std::size_t i = 4;
    if (i < w.size() && w[i] == "rate") {
        auto n = i + 1 < w.size() ? number(w[i + 1], 0, kMaxRate) : std::nullopt;
        if (!n) {
            *why = "rate must be 0-" + std::to_string(kMaxRate) + " connections per minute";
            return std::nullopt;
        }
        a.rate = *n;
        i += 2;
    }
    if (a.rate && !a.permit) {
        *why = "rate: only a permit entry has a connection limit (a deny entry drops every connection)";
        return std::nullopt;
    }
    if (!take_description(w, i, a.description, why)) return std::nullopt;
    return a;
}

std::string format(const Ace& a) {
    std::string s = std::string(a.permit ? "permit" : "deny") + " " + a.src + " " + a.dst + " " + a.service;
    if (a.rate) s += " rate " + std::to_string(a.rate);
    return with_description(s, a.description);
}

namespace {

// Parsed, then required to be the canonical text (so every stored value
// renders and replays unchanged).
template <class Parse>
std::string check_canonical(const std::string& v, Parse parse) {
    std::string why;
    auto x = parse(v, &why);
    if (!x) return why;
    if (!x->description.empty())
        if (std::string d = check_description(x->description); !d.empty()) return d;
    std::string canon = format(*x);
    if (canon != v) return "not in canonical form; write '" + canon.substr(0, 200) + "'";
    return {};
}

}  // namespace

std::string check_network(const std::string& v) { return check_canonical(v, parse_network); }
std::string check_service(const std::string& v) { return check_canonical(v, parse_service); }
std::string check_ace(const std::string& v) { return check_canonical(v, parse_ace); }

std::string entry_key(const std::string& acl, long long seq) { return acl + ":" + std::to_string(seq); }

bool split_entry_key(const std::string& key, std::string& acl, long long& seq) {
    auto colon = key.rfind(':');
    if (colon == std::string::npos) return false;
    auto n = number(key.substr(colon + 1), 1, kMaxSeq);
    if (!n || std::to_string(*n) != key.substr(colon + 1)) return false;
    acl = key.substr(0, colon);
    seq = *n;
    return true;
}

std::string check_entry_key(const std::string& key) {
    std::string acl;
    long long seq = 0;
    if (!split_entry_key(key, acl, seq)) return "key must be <acl>:<sequence 1-" + std::to_string(kMaxSeq) + ">";
    return check_name(acl);
}

bool entry_key_less(const std::string& a, const std::string& b) {
    // Called O(n log n) times per render: views, no allocation. Valid
    // sequence numbers have no leading zeros, so a shorter one is smaller.
    std::string_view x(a), y(b);
    auto ca = x.rfind(':'), cb = y.rfind(':');
    if (ca == std::string_view::npos || cb == std::string_view::npos) return a < b;
    std::string_view na = x.substr(0, ca), nb = y.substr(0, cb), sa = x.substr(ca + 1), sb = y.substr(cb + 1);
    if (na != nb) return na < nb;
    if (sa.size() != sb.size()) return sa.size() < sb.size();
    return sa < sb;
}

const std::vector<std::pair<std::string, std::string>>& builtin_services() {
    // Well-known ports only: the reference also lists mi-sync and mi-tls,
    // whose ports it never documents (docs/acl.md).
    static const std::vector<std::pair<std::string, std::string>> b = {
        {"ah", "ip protocol 51"},           {"dns", "udp dst-port 53"},        {"esp", "ip protocol 50"},
        {"http", "tcp dst-port 80"},        {"https", "tcp dst-port 443"},     {"icmp", "ip protocol 1"},
        {"ipsec-nat-t", "udp dst-port 4500"}, {"isakmp", "udp dst-port 500"}, {"l2tp", "udp dst-port 1701"},
        {"ntp", "udp dst-port 123"},        {"snmp", "udp dst-port 161"},      {"ssh", "tcp dst-port 22"},
    };
    return b;
}

std::optional<std::string> builtin_service(const std::string& name) {
    for (const auto& [n, v] : builtin_services())
        if (n == name) return v;
    return std::nullopt;
}

View view(const Config& c) {
    View v;
    for (const auto& [k, x] : entries(c, "acl.network"))
        if (auto n = parse_network(std::get<std::string>(x), nullptr)) v.networks.emplace(k, std::move(*n));
    for (const auto& [k, x] : builtin_services()) v.services.emplace(k, *parse_service(x, nullptr));
    for (const auto& [k, x] : entries(c, "acl.service"))
        if (auto s = parse_service(std::get<std::string>(x), nullptr)) v.services[k] = std::move(*s);
    for (const auto& [k, x] : entries(c, "acl.description")) v.descriptions.emplace(k, std::get<std::string>(x));
    for (const auto& [k, x] : entries(c, "acl.entry")) {  // in key order: by ACL, then sequence
        std::string name;
        long long seq = 0;
        if (!split_entry_key(k, name, seq)) continue;
        if (auto a = parse_ace(std::get<std::string>(x), nullptr)) v.lists[name].emplace_back(seq, std::move(*a));
    }
    for (const auto& [k, x] : entries(c, "acl.binding")) v.bindings.emplace(std::stoi(k), std::get<std::string>(x));
    return v;
}

namespace {

// One wording per rule, for the whole-config and the per-change check.
std::string check_refs(const std::string& key, const Ace& a, const std::function<bool(const std::string&)>& network,
                       const std::function<bool(const std::string&)>& service) {
    std::string at = "acl.entry[" + key + "]: ";
    if (a.src != kAny && !network(a.src))
        return at + "source " + a.src + " is not a network object ('object network " + a.src + " ...')";
    if (a.dst != kAny && !network(a.dst))
        return at + "destination " + a.dst + " is not a network object ('object network " + a.dst + " ...')";
    if (a.service != kAny && !service(a.service))
        return at + "service " + a.service + " is not a network service ('object service " + a.service + " ...')";
    return {};
}

std::string check_binding(const Config& c, const std::string& n, const std::string& name) {
    std::string at = "acl.binding[" + n + "]: ";
    if (!exists(c, name)) return at + "access-list " + name + " does not exist";
    if (!std::get<bool>(get(c, "service.iptables")))
        return at + "access-list " + name + " is bound to GigabitEthernet " + n +
               ", which needs the packet filter: 'service iptables enable' (or remove the binding first)";
    return {};
}

}  // namespace

bool exists(const Config& c, const std::string& acl) {
    if (c.values.count("acl.description[" + acl + "]")) return true;
    std::string prefix = "acl.entry[" + acl + ":";
    auto it = c.values.lower_bound(prefix);
    return it != c.values.end() && it->first.rfind(prefix, 0) == 0;
}

View bound_view(const Config& c) {
    View v;
    for (const auto& [k, x] : entries(c, "acl.binding")) v.bindings.emplace(std::stoi(k), std::get<std::string>(x));
    auto text = [&](const std::string& path) -> std::optional<std::string> {
        auto it = c.values.find(path);
        if (it == c.values.end()) return std::nullopt;
        return std::get<std::string>(it->second);
    };
    for (const auto& [n, name] : v.bindings) {
        if (v.lists.count(name) || v.descriptions.count(name)) continue;  // bound twice
        if (auto d = text("acl.description[" + name + "]")) v.descriptions.emplace(name, *d);
        auto& list = v.lists[name];
        std::string prefix = "acl.entry[" + name + ":";
        for (auto it = c.values.lower_bound(prefix); it != c.values.end() && it->first.rfind(prefix, 0) == 0; ++it) {
            std::string acl;
            long long seq = 0;
            if (!split_entry_key(it->first.substr(10, it->first.size() - 11), acl, seq)) continue;
            auto a = parse_ace(std::get<std::string>(it->second), nullptr);
            if (!a) continue;
            for (const auto* ref : {&a->src, &a->dst})
                if (*ref != kAny && !v.networks.count(*ref))
                    if (auto t = text("acl.network[" + *ref + "]"))
                        if (auto net = parse_network(*t, nullptr)) v.networks.emplace(*ref, *net);
            if (a->service != kAny && !v.services.count(a->service)) {
                auto t = text("acl.service[" + a->service + "]");
                if (!t) t = builtin_service(a->service);
                if (t)
                    if (auto s = parse_service(*t, nullptr)) v.services.emplace(a->service, *s);
            }
            list.emplace_back(seq, std::move(*a));
        }
        std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        if (list.empty()) v.lists.erase(name);
    }
    return v;
}

bool touches_bound(const Config& next, const std::vector<std::string>& changed) {
    auto bindings = entries(next, "acl.binding");
    for (const auto& p : changed) {
        if (p.rfind("acl.binding[", 0) == 0 || p.rfind("acl.network[", 0) == 0 || p.rfind("acl.service[", 0) == 0 ||
            p == "service.iptables")
            return true;
        for (const auto& [n, x] : bindings) {
            const auto& name = std::get<std::string>(x);
            if (p.rfind("acl.entry[" + name + ":", 0) == 0 || p == "acl.description[" + name + "]") return true;
        }
    }
    return false;
}

std::string validate(const Config& c) {
    View v = view(c);
    auto network = [&](const std::string& n) { return v.networks.count(n) != 0; };
    auto service = [&](const std::string& n) { return v.services.count(n) != 0; };
    for (const auto& [name, list] : v.lists)
        for (const auto& [seq, a] : list)
            if (std::string why = check_refs(entry_key(name, seq), a, network, service); !why.empty()) return why;
    for (const auto& [n, name] : v.bindings)
        if (std::string why = check_binding(c, std::to_string(n), name); !why.empty()) return why;
    return {};
}

std::string validate_change(const Config&, const Config& next, const std::vector<std::string>& changed) {
    auto key_of = [](const std::string& p) { return p.substr(p.find('[') + 1, p.size() - p.find('[') - 2); };
    auto network = [&](const std::string& n) { return next.values.count("acl.network[" + n + "]") != 0; };
    auto service = [&](const std::string& n) {
        return next.values.count("acl.service[" + n + "]") != 0 || builtin_service(n).has_value();
    };
    for (const auto& p : changed) {
        auto it = next.values.find(p);
        bool deleted = it == next.values.end();
        if (p == "service.iptables") {
            for (const auto& [n, x] : entries(next, "acl.binding"))
                if (std::string why = check_binding(next, n, std::get<std::string>(x)); !why.empty()) return why;
        } else if (p.rfind("acl.network[", 0) == 0 || p.rfind("acl.service[", 0) == 0) {
            // Deleting an object others may name: the one case that needs a scan.
            if (deleted && !(p[4] == 's' && builtin_service(key_of(p)))) return acl::validate(next);
        } else if (p.rfind("acl.entry[", 0) == 0 || p.rfind("acl.description[", 0) == 0) {
            std::string key = key_of(p), name = key;
            long long seq = 0;
            if (p[4] == 'e' && !split_entry_key(key, name, seq)) continue;  // its key check reported it
            if (deleted) {
                if (exists(next, name)) continue;
                for (const auto& [n, x] : entries(next, "acl.binding"))
                    if (std::get<std::string>(x) == name)
                        if (std::string why = check_binding(next, n, name); !why.empty()) return why;
            } else if (p[4] == 'e') {
                if (auto a = parse_ace(std::get<std::string>(it->second), nullptr))
                    if (std::string why = check_refs(key, *a, network, service); !why.empty()) return why;
            }
        } else if (p.rfind("acl.binding[", 0) == 0 && !deleted) {
            if (std::string why = check_binding(next, key_of(p), std::get<std::string>(it->second)); !why.empty())
                return why;
        }
    }
    return {};
}

std::string check_delete(const Config& c, const std::string& family, const std::string& key) {
    if (!c.values.count(family + "[" + key + "]")) return {};  // nothing to delete
    if (family == "acl.network" || family == "acl.service") {
        if (family == "acl.service" && builtin_service(key)) return {};  // falls back to the built-in
        std::vector<std::string> users;
        for (const auto& [k, x] : entries(c, "acl.entry")) {
            auto a = parse_ace(std::get<std::string>(x), nullptr);
            if (!a) continue;
            bool uses = family == "acl.network" ? (a->src == key || a->dst == key) : a->service == key;
            if (uses) users.push_back(k);
        }
        if (users.empty()) return {};
        std::string acl;
        long long seq = 0;
        split_entry_key(users.front(), acl, seq);
        std::string more = users.size() > 1 ? " and " + std::to_string(users.size() - 1) + " more entries" : "";
        return family + "[" + key + "]: in use by access-list " + acl + " " + std::to_string(seq) + more +
               "; remove those entries first";
    }
    if (family == "acl.entry" || family == "acl.description") {
        std::string acl = key;
        long long seq = 0;
        if (family == "acl.entry") split_entry_key(key, acl, seq);
        std::size_t items = c.values.count("acl.description[" + acl + "]");
        std::string prefix = "acl.entry[" + acl + ":";
        for (auto it = c.values.lower_bound(prefix); it != c.values.end() && it->first.rfind(prefix, 0) == 0 && items < 2;
             ++it)
            ++items;
        if (items > 1) return {};  // the ACL still exists afterwards
        for (const auto& [n, x] : entries(c, "acl.binding"))
            if (std::get<std::string>(x) == acl)
                return family + "[" + key + "]: access-list " + acl + " is bound to GigabitEthernet " + n +
                       " and would cease to exist; remove the binding first ('no ip access-group')";
    }
    return {};
}

namespace {

std::optional<std::string> stored(const Config& c, const std::string& path) {
    auto it = c.values.find(path);
    if (it == c.values.end()) return std::nullopt;
    return std::get<std::string>(it->second);
}

bool service_admits_tcp(const Config& c, const std::string& name, int port) {
    if (name == kAny) return true;
    auto text = stored(c, "acl.service[" + name + "]");
    if (!text) text = builtin_service(name);
    auto s = text ? parse_service(*text, nullptr) : std::nullopt;
    if (!s) return false;
    if (s->proto == Proto::ip) return s->protocol == 0 || s->protocol == 6;
    // The client's source port is ephemeral: an entry for one source port
    // is not taken to match it.
    return s->proto == Proto::tcp && s->src_port == 0 && (s->dst_port == 0 || s->dst_port == port);
}

bool network_has(const Config& c, const std::string& name, std::optional<std::uint32_t> ip) {
    if (name == kAny) return true;
    auto text = stored(c, "acl.network[" + name + "]");
    auto n = text ? parse_network(*text, nullptr) : std::nullopt;
    return ip && n && n->contains(*ip);
}

}  // namespace

bool admits_tcp(const Config& c, int iface, std::uint32_t src, int dst_port) {
    auto acl = stored(c, "acl.binding[" + std::to_string(iface) + "]");
    if (!acl) return true;
    std::optional<std::uint32_t> dst;
    if (auto addr = stored(c, "interface.address[" + std::to_string(iface) + "]"))
        dst = model::ipv4(addr->substr(0, addr->find('/')));
    // This list's entries only (its key range), in sequence order; an ACL
    // with only a description, or none matching, ends in the implicit deny.
    std::string prefix = "acl.entry[" + *acl + ":";
    std::vector<std::pair<long long, const Value*>> list;
    for (auto it = c.values.lower_bound(prefix); it != c.values.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        std::string name;
        long long seq = 0;
        if (split_entry_key(it->first.substr(10, it->first.size() - 11), name, seq)) list.emplace_back(seq, &it->second);
    }
    std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [seq, x] : list) {
        auto a = parse_ace(std::get<std::string>(*x), nullptr);
        if (a && network_has(c, a->src, src) && network_has(c, a->dst, dst) &&
            service_admits_tcp(c, a->service, dst_port))
            return a->permit;
    }
    return false;
}

std::string check_lockout(const Config& next, const std::string& source, int ssh_port,
                          const std::vector<std::string>& changed) {
    auto ip = model::ipv4(source);
    if (!ip) return {};  // console, or an IPv6 peer (ACLs filter IPv4 only)
    auto bindings = entries(next, "acl.binding");
    if (bindings.empty()) return {};
    // Only these can change the verdict: an edit to a list bound nowhere does not.
    bool relevant = touches_bound(next, changed) || std::any_of(changed.begin(), changed.end(), [](const auto& p) {
                        return p.rfind("interface.address[", 0) == 0 || p == "ssh.port";
                    });
    if (!relevant) return {};
    for (const auto& [n, x] : bindings)
        if (!admits_tcp(next, std::stoi(n), *ip, ssh_port))
            return "access-list " + std::get<std::string>(x) + " on GigabitEthernet " + n +
                   " would block new SSH connections (TCP port " + std::to_string(ssh_port) + ") from " + source +
                   ", this session's address; permit them in an entry before the one that denies them (first "
                   "match wins), or make this change from another address or the console";
    return {};
}

}  // namespace micsd::acl
