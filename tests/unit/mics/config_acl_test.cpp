// ACL subtree (docs/acl.md): validation that names the field, references
// between objects, entries and bindings, rendering, the CLI-text round trip,
// and the management-lockout check.
#include "acl.hpp"
#include "config_model.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& path, const std::string& v) { return apply_edit(c, path, "set", Value(v)); }
std::string del(Config& c, const std::string& path) { return apply_edit(c, path, "delete", std::nullopt); }

// A small, valid ACL setup bound to GigabitEthernet 1.
Config sample() {
    Config c;
    REQUIRE(set(c, "acl.network[admins]", "subnet 192.0.2.0/24 description Admin LAN") == "");
    REQUIRE(set(c, "acl.network[web1]", "host 10.0.1.5") == "");
    REQUIRE(set(c, "acl.service[mgmt]", "tcp dst-port 2222") == "");
    REQUIRE(set(c, "acl.entry[edge:10]", "permit admins any mgmt") == "");
    REQUIRE(set(c, "acl.entry[edge:20]", "permit any web1 https rate 5 description Allow https") == "");
    REQUIRE(set(c, "acl.entry[edge:100]", "deny any any any") == "");
    REQUIRE(set(c, "acl.description[edge]", "Outside interface") == "");
    REQUIRE(set(c, "acl.binding[1]", "edge") == "");
    REQUIRE(validate(c) == "");
    return c;
}

}  // namespace

TEST_CASE("object, entry and binding values: errors name the field and the reason") {
    Config c;
    CHECK(set(c, "acl.network[web1]", "host 10.0.1.300") == "acl.network[web1]: address 10.0.1.300 is not an IPv4 address");
    CHECK(set(c, "acl.network[net]", "subnet 10.0.1.5/24") ==
          "acl.network[net]: subnet 10.0.1.5/24 has host bits set (network is 10.0.1.0/24)");
    CHECK(set(c, "acl.network[net]", "subnet 10.0.1.0/33") == "acl.network[net]: subnet 10.0.1.0/33 is not A.B.C.D/M (M 0-32)");
    CHECK(set(c, "acl.network[any]", "host 10.0.0.1") ==
          "acl.network[any]: 'any' is reserved (it means every address or service)");
    CHECK(set(c, "acl.network[-x]", "host 10.0.0.1") == "acl.network[-x]: a name starts with a letter or digit");
    CHECK(set(c, "acl.network[" + std::string(65, 'a') + "]", "host 10.0.0.1").find("1-64 characters") !=
          std::string::npos);
    CHECK(set(c, "acl.service[s]", "sctp dst-port 1") == "acl.service[s]: type must be tcp, udp or ip");
    CHECK(set(c, "acl.service[s]", "tcp dst-port 70000") == "acl.service[s]: dst-port must be 0-65535");
    CHECK(set(c, "acl.service[s]", "ip protocol 256") == "acl.service[s]: protocol must be 0-255");
    CHECK(set(c, "acl.service[s]", "tcp dst-port 0") == "acl.service[s]: not in canonical form; write 'tcp'");
    CHECK(set(c, "acl.entry[edge:0]", "deny any any any") == "acl.entry[edge:0]: key must be <acl>:<sequence 1-65535>");
    CHECK(set(c, "acl.entry[edge:65536]", "deny any any any") ==
          "acl.entry[edge:65536]: key must be <acl>:<sequence 1-65535>");
    CHECK(set(c, "acl.entry[edge:1]", "allow any any any") ==
          "acl.entry[edge:1]: must be '{permit|deny} SOURCE DESTINATION SERVICE'");
    CHECK(set(c, "acl.entry[edge:1]", "deny any any any rate 5") ==
          "acl.entry[edge:1]: rate: only a permit entry has a connection limit (a deny entry drops every connection)");
    CHECK(set(c, "acl.entry[edge:1]", "permit any any any rate 100001") ==
          "acl.entry[edge:1]: rate must be 0-100000 connections per minute");
    CHECK(set(c, "acl.entry[edge:1]", "permit any any any description two  spaces") ==
          "acl.entry[edge:1]: not in canonical form; write 'permit any any any description two spaces'");
    CHECK(set(c, "acl.description[edge]", std::string(129, 'x')) ==
          "acl.description[edge]: description has 1-128 characters");
    CHECK(set(c, "acl.binding[7]", "edge") == "acl.binding[7]: GigabitEthernet 7 does not exist (1-6)");
}

TEST_CASE("references: unknown objects, objects in use, bound lists, the packet filter switch") {
    Config c = sample();
    Config bad = c;
    REQUIRE(set(bad, "acl.entry[edge:30]", "permit nosuch any any") == "");
    CHECK(validate(bad) ==
          "acl.entry[edge:30]: source nosuch is not a network object ('object network nosuch ...')");
    CHECK(validate_change(c, bad, changed_paths(c, bad)) == validate(bad));
    bad = c;
    REQUIRE(set(bad, "acl.entry[edge:30]", "permit any any nosvc") == "");
    CHECK(validate(bad) ==
          "acl.entry[edge:30]: service nosvc is not a network service ('object service nosvc ...')");

    CHECK(del(c, "acl.network[web1]") == "acl.network[web1]: in use by access-list edge 20; remove those entries first");
    CHECK(del(c, "acl.service[mgmt]") == "acl.service[mgmt]: in use by access-list edge 10; remove those entries first");
    CHECK(del(c, "acl.service[https]") == "");  // built-in: nothing stored, nothing to delete

    // The list stays while it has an entry or a description; the last one goes only unbound.
    Config d = c;
    REQUIRE(del(d, "acl.entry[edge:10]") == "");
    REQUIRE(del(d, "acl.entry[edge:20]") == "");
    REQUIRE(del(d, "acl.entry[edge:100]") == "");
    CHECK(del(d, "acl.description[edge]") ==
          "acl.description[edge]: access-list edge is bound to GigabitEthernet 1 and would cease to exist; remove "
          "the binding first ('no ip access-group')");
    REQUIRE(del(d, "acl.binding[1]") == "");
    CHECK(del(d, "acl.description[edge]") == "");

    Config off = c;
    REQUIRE(apply_edit(off, "service.iptables", "set", Value(false)) == "");
    std::string why = validate(off);
    CHECK(why == "acl.binding[1]: access-list edge is bound to GigabitEthernet 1, which needs the packet filter: "
                 "'service iptables enable' (or remove the binding first)");
    CHECK(validate_change(c, off, changed_paths(c, off)) == why);
    Config unbound = c;
    REQUIRE(set(unbound, "acl.binding[2]", "nolist") == "");
    CHECK(validate(unbound) == "acl.binding[2]: access-list nolist does not exist");
    CHECK(validate_change(c, unbound, changed_paths(c, unbound)) == validate(unbound));
}

TEST_CASE("built-in services are pre-populated, can be redefined, and only show with 'all'") {
    Config c;
    CHECK(acl::view(c).services.count("https"));
    CHECK(render(c).find("object service") == std::string::npos);
    std::string all = render(c, true);
    CHECK(all.find("object service https tcp dst-port 443\n") != std::string::npos);
    CHECK(all.find("object service esp ip protocol 50\n") != std::string::npos);
    CHECK(set(c, "acl.service[https]", "tcp dst-port 443") == "");  // as built in: nothing stored
    CHECK(c.values.empty());
    CHECK(set(c, "acl.service[https]", "tcp dst-port 8443") == "");
    CHECK(render(c) == "object service https tcp dst-port 8443\n");
    CHECK(del(c, "acl.service[https]") == "");
    CHECK(acl::format(acl::view(c).services.at("https")) == "tcp dst-port 443");
}

TEST_CASE("rendering: objects, descriptions, entries in sequence order, then bindings") {
    Config c = sample();
    CHECK(render(c).substr(render(c).find("object")) ==
          "object network admins subnet 192.0.2.0/24 description Admin LAN\n"
          "object network web1 host 10.0.1.5\n"
          "object service mgmt tcp dst-port 2222\n"
          "access-list edge description Outside interface\n"
          "access-list edge 10 permit admins any mgmt\n"
          "access-list edge 20 permit any web1 https rate 5 description Allow https\n"
          "access-list edge 100 deny any any any\n"
          "access-group edge in interface GigabitEthernet 1\n");
}

TEST_CASE("the rendered text parses back to the same configuration, in both interface spellings") {
    Config c = sample();
    Config back;
    REQUIRE(parse_config(render(c), Config{}, back) == "");
    CHECK(back.values == c.values);
    REQUIRE(parse_config(render(c, true), Config{}, back) == "");  // built-ins as defined: not stored
    CHECK(back.values == c.values);
    Config glued;
    REQUIRE(parse_config("access-list a 5 deny any any any\naccess-group a in interface GigabitEthernet2\n", Config{},
                         glued) == "");
    CHECK(std::get<std::string>(glued.values.at("acl.binding[2]")) == "a");
    Config broken;
    CHECK(parse_config("access-list a 5 permit nosuch any any\n", Config{}, broken) ==
          "acl.entry[a:5]: source nosuch is not a network object ('object network nosuch ...')");
}

TEST_CASE("first match wins, implicit deny: the lockout check follows the same order") {
    Config c = sample();
    REQUIRE(set(c, "interface.address[1]", "10.0.1.5/255.255.255.0") == "");
    auto ip = [](const char* s) {
        unsigned a, b, x, d;
        std::sscanf(s, "%u.%u.%u.%u", &a, &b, &x, &d);
        return std::uint32_t(a << 24 | b << 16 | x << 8 | d);
    };
    CHECK(acl::admits_tcp(c, 1, ip("192.0.2.7"), 2222));      // entry 10
    CHECK_FALSE(acl::admits_tcp(c, 1, ip("198.51.100.1"), 2222));  // entry 100
    CHECK(acl::admits_tcp(c, 1, ip("198.51.100.1"), 443));    // entry 20 (rate-limited permit)
    CHECK(acl::admits_tcp(c, 2, ip("198.51.100.1"), 2222));   // GigabitEthernet 2: no ACL
    const std::vector<std::string> bound{"acl.binding[1]"};
    CHECK(acl::check_lockout(c, "192.0.2.7", 2222, bound) == "");
    CHECK(acl::check_lockout(c, "console", 2222, bound) == "");
    CHECK(acl::check_lockout(c, "198.51.100.1", 2222, {"system.hostname"}) == "");  // nothing ACL-related changed
    CHECK(acl::check_lockout(c, "198.51.100.1", 2222, {"acl.entry[other:10]"}) == "");  // a list bound nowhere
    CHECK(acl::check_lockout(c, "198.51.100.1", 2222, bound) ==
          "access-list edge on GigabitEthernet 1 would block new SSH connections (TCP port 2222) from 198.51.100.1, "
          "this session's address; permit them in an entry before the one that denies them (first match wins), or "
          "make this change from another address or the console");
    // Without entry 100 the implicit deny gives the same answer.
    REQUIRE(del(c, "acl.entry[edge:100]") == "");
    CHECK(acl::check_lockout(c, "198.51.100.1", 2222, {"acl.entry[edge:100]"}) != "");
}
