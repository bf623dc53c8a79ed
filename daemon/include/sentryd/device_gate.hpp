// Admits or refuses each ActiveSync request by device (issue #8): looks the
// (device id, user) up in the cache, applies the policy, runs the remote-wipe
// exchange, and keeps the per-device and global counters. Pure: no sockets,
// no clock (callers pass `now`), so every path has a unit test; the session
// calls admit() before forwarding and finish() when the response is out.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "sentryd/device_cache.hpp"
#include "sentryd/device_counters.hpp"
#include "sentryd/device_policy.hpp"
#include "sentryd/wire_tally.hpp"

namespace sentryd {

struct DeviceRequest {
    std::string_view device_id;
    std::string_view user;
    std::string_view device_type;
    std::string_view cmd;            // canonical EAS command; empty for OPTIONS
    int protocol_version = 0;        // 141 = 14.1
    std::uint32_t policy_key = 0;
    std::string_view body;           // Provision body (wipe acknowledgement)
    std::uint64_t request_bytes = 0; // header + body as received
    bool options = false;
};

// Which device a session is bound to; survives purges (checked by hash).
struct DeviceRef {
    DeviceCache::Id id = DeviceCache::npos;
    std::uint32_t hash = 0;
    bool valid() const { return id != DeviceCache::npos; }
};

struct Admission {
    bool pass = true;          // forward to the back end
    unsigned status = 0;       // else: answer this
    std::string body;
    bool wbxml = false;        // body is WBXML (Provision), else text
    DeviceRef device;          // the entry counted (invalid if not cached: cache full / no id)
    DeviceStatus state = DeviceStatus::allowed;
};

struct GateEvents {
    std::uint64_t not_cached = 0;       // decided but not stored (cache full)
    std::uint64_t wipes_acknowledged = 0;
    std::uint64_t wipes_failed = 0;
};

class DeviceGate {
public:
    explicit DeviceGate(std::size_t max_entries = 4'000'000) : cache_(max_entries) {}

    // A new policy re-decides every cached entry at once, so `show` never
    // lists a state the proxy would not enforce. Returns entries changed.
    std::size_t set_policy(const DevicePolicy& p);
    const DevicePolicy& policy() const { return policy_; }
    // Re-decides every entry under the current policy (after a restore).
    std::size_t redecide_all();
    // Whether the UEM answers (fail-open applies while it does not). A flip
    // re-decides every entry, as a policy change does; returns entries changed.
    std::size_t set_uem_reachable(bool up);
    bool uem_reachable() const { return uem_reachable_; }

    Admission admit(const DeviceRequest& r, std::uint32_t now);
    // The response went out (status as sent; bytes written to the device).
    // forwarded: it came from the back end.
    void finish(const DeviceRef& d, unsigned status, std::uint64_t response_bytes, bool forwarded);
    // What the forwarding of one request did on the wire (s- counters,
    // failures); called once per forwarded request, answered or not.
    void record(const DeviceRef& d, const WireTally& t);
    // One event the session saw on the device's connection (timeouts, resets).
    void add(const DeviceRef& d, Dc c) { count(d, c); }
    // A device session bound to a device opens / ends.
    void connection_open(const DeviceRef& d);
    void connection_closed(const DeviceRef& d);

    // The UEM's word on one device (from a sync); re-decides the entry.
    // Creates the entry when absent. Returns false when the cache is full.
    bool apply_uem(std::string_view device_id, std::string_view user, std::string_view device_type, UemStatus s);
    // The UEM no longer lists the entry. One the UEM alone made (the device
    // never connected, no counters) is dropped; one a device has used keeps
    // its history and loses only its UEM status (so it reads P, or B with
    // auto-block). Returns true when the entry was dropped.
    bool clear_uem(DeviceCache::Id id);
    // The same by key; false when there is no such entry.
    bool clear_uem(std::string_view device_id, std::string_view user);

    DeviceCache& cache() { return cache_; }
    const DeviceCache& cache() const { return cache_; }
    const GlobalDeviceCounters& global() const { return global_; }
    const GateEvents& events() const { return events_; }

private:
    void count(const DeviceRef& d, Dc c, std::uint64_t v = 1);
    bool resolve(const DeviceRef& d) const;
    void redecide(DeviceCache::Id id);

    DeviceCache cache_;
    DevicePolicy policy_;
    std::uint16_t policy_gen_ = 1;
    bool uem_reachable_ = true;
    GlobalDeviceCounters global_;
    GateEvents events_;
};

}  // namespace sentryd
