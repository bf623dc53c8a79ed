#include "sentryd/device_cache.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "../temp_dir.hpp"

using sentryd::DeviceCache;
using sentryd::DeviceEntry;
using sentryd::DeviceStatus;

TEST_CASE("device cache: find_or_add, case-insensitive keys, distinct users") {
    DeviceCache c;
    bool created = false;
    auto a = c.find_or_add("0V55EEVSRT5UVFA05AUBLF904S", "testuser", &created);
    REQUIRE(a != DeviceCache::npos);
    CHECK(created);
    CHECK(c.find_or_add("0v55eevsrt5uvfa05aublf904s", "TESTUSER", &created) == a);
    CHECK_FALSE(created);
    CHECK(c.device_id(a) == "0V55EEVSRT5UVFA05AUBLF904S");  // shown as first seen
    CHECK(c.user(a) == "testuser");
    auto b = c.find_or_add("0V55EEVSRT5UVFA05AUBLF904S", "other");
    CHECK(b != a);
    // The separator matters: ("ab","c") is not ("a","bc").
    auto x = c.find_or_add("ab", "c");
    auto y = c.find_or_add("a", "bc");
    CHECK(x != y);
    CHECK(c.size() == 4);
    CHECK(c.find("nope", "testuser") == DeviceCache::npos);
}

TEST_CASE("device cache: bounds on keys and entries") {
    DeviceCache c(3);
    CHECK(c.find_or_add("", "u") == DeviceCache::npos);
    CHECK(c.find_or_add(std::string(sentryd::kMaxDeviceIdLen + 1, 'a'), "u") == DeviceCache::npos);
    CHECK(c.find_or_add("d", std::string(sentryd::kMaxUserLen + 1, 'u')) == DeviceCache::npos);
    CHECK(c.find_or_add(std::string(sentryd::kMaxDeviceIdLen, 'a'), std::string(sentryd::kMaxUserLen, 'u')) !=
          DeviceCache::npos);
    CHECK(c.find_or_add("d1", "u") != DeviceCache::npos);
    CHECK(c.find_or_add("d2", "u") != DeviceCache::npos);
    CHECK(c.find_or_add("d3", "u") == DeviceCache::npos);  // full
    CHECK(c.find_or_add("d2", "u") != DeviceCache::npos);  // existing still found
}

TEST_CASE("device cache: erase keeps every other key findable (backward shift)") {
    DeviceCache c;
    const int n = 20000;
    for (int i = 0; i < n; ++i) REQUIRE(c.find_or_add("dev" + std::to_string(i), "u" + std::to_string(i % 7)) != DeviceCache::npos);
    for (int i = 0; i < n; i += 3) CHECK(c.erase("DEV" + std::to_string(i), "U" + std::to_string(i % 7)));
    CHECK_FALSE(c.erase("dev0", "u0"));
    for (int i = 0; i < n; ++i) {
        bool gone = i % 3 == 0;
        auto id = c.find("dev" + std::to_string(i), "u" + std::to_string(i % 7));
        CHECK((id == DeviceCache::npos) == gone);
        if (!gone && id != DeviceCache::npos) CHECK(c.device_id(id) == "dev" + std::to_string(i));
    }
    CHECK(c.size() == static_cast<std::size_t>(n - (n + 2) / 3));
    // Freed slots are reused; strings stay right after the arena compacts.
    for (int i = 0; i < n; i += 3) c.find_or_add("new" + std::to_string(i), "v");
    CHECK(c.size() == static_cast<std::size_t>(n));
    auto id = c.find("new3", "v");
    REQUIRE(id != DeviceCache::npos);
    CHECK(c.user(id) == "v");
}

TEST_CASE("device cache: cursor iteration visits every live entry once") {
    DeviceCache c;
    for (int i = 0; i < 100; ++i) c.find_or_add("d" + std::to_string(i), "u");
    for (int i = 0; i < 100; i += 2) c.erase("d" + std::to_string(i), "u");
    std::set<std::string> seen;
    for (auto id = c.first(); id != DeviceCache::npos; id = c.next(id)) seen.insert(std::string(c.device_id(id)));
    CHECK(seen.size() == 50);
    CHECK(seen.count("d1") == 1);
    CHECK(seen.count("d2") == 0);
}

TEST_CASE("device cache: counters exist only for devices that were counted") {
    DeviceCache c;
    auto a = c.find_or_add("a", "u");
    CHECK(c.counters_if(a) == nullptr);
    c.counters(a).add(sentryd::Dc::permits);
    c.counters(a).add(sentryd::Dc::d_bytes_rcvd, 5'000'000'000ULL);
    REQUIRE(c.counters_if(a) != nullptr);
    CHECK(c.counters_if(a)->get(sentryd::Dc::permits) == 1);
    CHECK(c.counters_if(a)->get(sentryd::Dc::d_bytes_rcvd) == 5'000'000'000ULL);  // 64-bit
    CHECK(c.stats().with_counters == 1);
    c.erase("a", "u");
    auto b = c.find_or_add("b", "u");
    CHECK(c.counters(b).get(sentryd::Dc::permits) == 0);  // a recycled block starts at zero
}

TEST_CASE("device cache: save skips pending entries, load restores only what is missing") {
    sentry_test::TempDir dir;
    std::string path = dir.path + "/devices.bin";
    DeviceCache c;
    auto a = c.find_or_add("devA", "alice");
    c.at(a).status = DeviceStatus::blocked;
    c.at(a).set(DeviceEntry::validated, true);
    c.at(a).eas_version = 161;
    c.at(a).last_seen = 1700000000;
    c.set_device_type(a, "iPhone");
    c.set_redirect(a, "https://mail2.example.com/Microsoft-Server-ActiveSync");
    auto p = c.find_or_add("devP", "pat");
    c.at(p).status = DeviceStatus::pending;
    c.find_or_add("devB", "bob");
    std::string err;
    CHECK(c.save(path, &err) == 2);
    CHECK(err.empty());

    DeviceCache d;
    d.find_or_add("devB", "bob");  // already in memory: not counted
    CHECK(d.load(path, &err) == 1);
    auto la = d.find("DEVA", "Alice");
    REQUIRE(la != DeviceCache::npos);
    CHECK(d.at(la).status == DeviceStatus::blocked);
    CHECK(d.at(la).is(DeviceEntry::validated));
    CHECK(d.at(la).eas_version == 161);
    CHECK(d.at(la).last_seen == 1700000000u);
    CHECK(d.device_type(la) == "iPhone");
    CHECK(d.redirect(la) == "https://mail2.example.com/Microsoft-Server-ActiveSync");
    CHECK(d.find("devP", "pat") == DeviceCache::npos);
    CHECK(d.load(path, &err) == 0);  // everything already there
}

TEST_CASE("device cache: a damaged or foreign file restores nothing") {
    sentry_test::TempDir dir;
    std::string path = dir.path + "/devices.bin";
    DeviceCache c;
    for (int i = 0; i < 50; ++i) c.find_or_add("d" + std::to_string(i), "u");
    std::string err;
    REQUIRE(c.save(path, &err) == 50);
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    SUBCASE("flipped byte") {
        bytes[bytes.size() / 2] ^= 0x20;
    }
    SUBCASE("truncated") {
        bytes.resize(bytes.size() - 10);
    }
    SUBCASE("foreign") {
        bytes = "hello world, not ours";
    }
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    DeviceCache d;
    err.clear();
    CHECK(d.load(path, &err) == -1);
    CHECK_FALSE(err.empty());
    CHECK(d.size() == 0);
    CHECK(d.load(dir.path + "/missing", &err) == -1);
}

TEST_CASE("device cache: redirects are interned and cleared") {
    DeviceCache c;
    auto a = c.find_or_add("a", "u"), b = c.find_or_add("b", "u");
    c.set_redirect(a, "https://x/");
    c.set_redirect(b, "https://x/");
    CHECK(c.at(a).redirect == c.at(b).redirect);
    c.set_redirect(a, "");
    CHECK(c.redirect(a).empty());
    CHECK(c.clear_redirects() == 1);
    CHECK(c.redirect(b).empty());
}
