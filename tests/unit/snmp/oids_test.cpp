// oids.hpp is the C++ copy of the MIB's OID tree: check it is self-consistent
// and that it matches mibs/SENTRY-APPLIANCE-MIB.txt.
#include "oids.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

using namespace sentry::snmp;

namespace {

std::vector<oid_t> full_oid(const ScalarDef& d) {
    std::vector<oid_t> v(d.group.begin(), d.group.end());
    v.push_back(d.column);
    return v;
}

template <class A, class B>
bool starts_with(const A& whole, const B& prefix) {
    return whole.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

// descriptor -> (parent descriptor, subid) for every "::= { parent N }".
std::map<std::string, std::pair<std::string, oid_t>> mib_assignments() {
    std::ifstream in(std::string(SENTRY_SNMP_MIB_DIR) + "/SENTRY-APPLIANCE-MIB.txt");
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    // Descriptor at line start, then anything up to the next "::= { x n }".
    std::regex re(R"((?:^|\n)([a-z][A-Za-z0-9-]*)\s+(?:OBJECT IDENTIFIER|OBJECT-TYPE|MODULE-IDENTITY|OBJECT-GROUP|MODULE-COMPLIANCE)[^]*?::=\s*\{\s*([A-Za-z][A-Za-z0-9-]*)\s+(\d+)\s*\})");
    std::map<std::string, std::pair<std::string, oid_t>> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
        out[(*it)[1]] = {(*it)[2], std::stoul((*it)[3])};
    return out;
}

// Resolves a descriptor to a numeric OID through the MIB's own assignments,
// anchored at netSnmpPlaypen (imported from NET-SNMP-MIB).
std::vector<oid_t> resolve(const std::map<std::string, std::pair<std::string, oid_t>>& a,
                           const std::string& name) {
    if (name == "netSnmpPlaypen") return {1, 3, 6, 1, 4, 1, 8072, 9999, 9999};
    auto it = a.find(name);
    REQUIRE_MESSAGE(it != a.end(), "MIB does not define " << name);
    auto v = resolve(a, it->second.first);
    v.push_back(it->second.second);
    return v;
}

}  // namespace

TEST_CASE("every scalar lives under the root, in its group's bounds, once") {
    std::set<std::vector<oid_t>> seen;
    std::set<std::string_view> names;
    for (const ScalarDef& d : kScalars) {
        auto oid = full_oid(d);
        CHECK_MESSAGE(starts_with(oid, kRootOid), d.name);
        CHECK_MESSAGE(starts_with(oid, kObjectsOid), d.name);
        CHECK_MESSAGE(seen.insert(oid).second, "duplicate OID for " << d.name);
        CHECK_MESSAGE(names.insert(d.name).second, "duplicate name " << d.name);
        if (std::ranges::equal(d.group, kSystemGroupOid)) {
            CHECK(d.column >= kSystemFirst);
            CHECK(d.column <= kSystemLast);
        } else {
            REQUIRE(std::ranges::equal(d.group, kMicsGroupOid));
            CHECK(d.column >= kMicsFirst);
            CHECK(d.column <= kMicsLast);
        }
    }
    // Scalar groups are registered as [first, last]: no holes allowed.
    CHECK(std::ranges::count_if(kScalars, [](auto& d) { return std::ranges::equal(d.group, kSystemGroupOid); }) ==
          static_cast<long>(kSystemLast - kSystemFirst + 1));
    CHECK(std::ranges::count_if(kScalars, [](auto& d) { return std::ranges::equal(d.group, kMicsGroupOid); }) ==
          static_cast<long>(kMicsLast - kMicsFirst + 1));
    CHECK_FALSE(std::ranges::equal(kSystemGroupOid, kMicsGroupOid));
}

TEST_CASE("oids.hpp matches SENTRY-APPLIANCE-MIB.txt") {
    auto a = mib_assignments();
    CHECK(resolve(a, "sentryApplianceMIB") == std::vector<oid_t>(kRootOid.begin(), kRootOid.end()));
    CHECK(resolve(a, "sentryObjects") == std::vector<oid_t>(kObjectsOid.begin(), kObjectsOid.end()));
    CHECK(resolve(a, "sentrySystem") == std::vector<oid_t>(kSystemGroupOid.begin(), kSystemGroupOid.end()));
    CHECK(resolve(a, "sentryMicsStatus") == std::vector<oid_t>(kMicsGroupOid.begin(), kMicsGroupOid.end()));
    std::size_t mib_scalars = 0;
    for (const ScalarDef& d : kScalars) {
        CAPTURE(d.name);
        auto it = a.find(std::string(d.name));
        REQUIRE(it != a.end());
        CHECK(it->second.first == d.parent);
        CHECK(resolve(a, std::string(d.name)) == full_oid(d));
    }
    // Every OBJECT-TYPE in the MIB is served (the MIB has no extra scalars).
    for (auto& [name, where] : a)
        if (where.first == "sentrySystem" || where.first == "sentryMicsStatus") ++mib_scalars;
    CHECK(mib_scalars == kScalars.size());
}
