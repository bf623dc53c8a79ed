// `make bench` device-cache figures (issue #8): memory per entry and lookup
// time at N devices (default 1,000,000), the status summary and a full scan.
// Times are CPU time of this process. With --write FILE it also leaves the persistent list of those devices, so
// scripts/bench.sh can time `show sentry device-cache status` end to end.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sentryd/device_cache.hpp"

namespace {
long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}
// CPU time of this process, not wall time: on the shared 2-core VM a
// wall-clock figure mostly measures who else was running.
double now() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + ts.tv_nsec * 1e-9;
}
std::string device_id(std::mt19937_64& rng) {
    static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string s(28, ' ');
    for (char& c : s) c = kAlnum[rng() % 36];
    return s;
}
}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 1'000'000;
    std::string write;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--entries") && i + 1 < argc) n = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--write") && i + 1 < argc) write = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--entries N] [--write FILE]\n", argv[0]);
            return 2;
        }
    }
    std::mt19937_64 rng(42);
    std::vector<std::string> ids(n), users(n);
    for (std::size_t i = 0; i < n; ++i) {
        ids[i] = device_id(rng);
        users[i] = "user" + std::to_string(i) + "@corp.example.com";  // ~26 bytes, like a UPN
    }
    static const char* kTypes[] = {"iPhone", "iPad", "Android", "SAMSUNGSMG991B", "WindowsMail"};
    malloc_trim(0);
    long before = rss_kib();
    sentryd::DeviceCache cache(n + 16);
    double t0 = now();
    for (std::size_t i = 0; i < n; ++i) {
        auto id = cache.find_or_add(ids[i], users[i]);
        auto& e = cache.at(id);
        e.status = i % 50 == 0 ? sentryd::DeviceStatus::blocked : sentryd::DeviceStatus::allowed;
        e.set(sentryd::DeviceEntry::validated, i % 7 != 0);
        e.eas_version = 161;
        e.last_seen = e.first_seen = 1'790'000'000u + static_cast<std::uint32_t>(i);
        cache.set_device_type(id, kTypes[i % 5]);
    }
    double t_insert = now() - t0;
    long after = rss_kib();
    auto st = cache.stats();

    // Lookups in random order (hits), then misses.
    std::vector<std::uint32_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    std::shuffle(order.begin(), order.end(), rng);
    // Keys copied in the shuffled order, so the timed loop reads its keys
    // sequentially (as a request parser hands over a hot buffer) and only the
    // cache's own accesses are random.
    std::vector<std::string> qid, quser;
    qid.reserve(n);
    quser.reserve(n);
    for (std::uint32_t i : order) {
        qid.push_back(ids[i]);
        quser.push_back(users[i]);
    }
    std::size_t found = 0;
    t0 = now();
    for (std::size_t i = 0; i < n; ++i) found += cache.find(qid[i], quser[i]) != sentryd::DeviceCache::npos;
    double t_hit = now() - t0;
    t0 = now();
    for (std::size_t i = 0; i < n; ++i) found += cache.find(ids[i], "nobody") != sentryd::DeviceCache::npos;
    double t_miss = now() - t0;

    t0 = now();
    auto s2 = cache.stats();
    double t_stats = now() - t0;

    // Full scan in pages of 500 (what a dump does), formatting nothing.
    t0 = now();
    std::size_t scanned = 0;
    for (auto id = cache.first(); id != sentryd::DeviceCache::npos; id = cache.next(id)) scanned += cache.device_id(id).size() > 0;
    double t_scan = now() - t0;

    std::printf("entries                      %zu\n", cache.size());
    std::printf("insert                       %.0f ns/entry\n", t_insert / n * 1e9);
    std::printf("RSS growth                   %.1f B/entry (%ld KiB)\n", (after - before) * 1024.0 / n, after - before);
    std::printf("cache's own accounting       %.1f B/entry (%.1f MiB)\n", double(st.bytes) / n, st.bytes / 1048576.0);
    std::printf("lookup hit (random order)    %.0f ns\n", t_hit / n * 1e9);
    std::printf("lookup miss                  %.0f ns\n", t_miss / n * 1e9);
    std::printf("status summary (full pass)   %.1f ms\n", t_stats * 1e3);
    std::printf("full scan                    %.1f ms\n", t_scan * 1e3);
    if (found != n || scanned != n || s2.entries != n) {
        std::fprintf(stderr, "consistency check failed: found %zu scanned %zu\n", found, scanned);
        return 1;
    }
    if (!write.empty()) {
        std::string err;
        t0 = now();
        long w = cache.save(write, &err);
        if (w < 0) {
            std::fprintf(stderr, "%s\n", err.c_str());
            return 1;
        }
        std::printf("save to disk                 %.0f ms (%ld entries)\n", (now() - t0) * 1e3, w);
        sentryd::DeviceCache back(n + 16);
        t0 = now();
        long r = back.load(write, &err);
        std::printf("load from disk               %.0f ms (%ld entries)\n", (now() - t0) * 1e3, r);
    }
    return 0;
}
