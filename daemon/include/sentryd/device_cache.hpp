// The device cache: one entry per (device id, user) that sentryd has seen or
// the UEM has told it about, holding what `show sentry device-cache` prints
// and what the policy decided. Sized for a million entries: a fixed 44-byte
// record in one vector, strings packed in one arena, an open-addressing index
// of 32-bit slots, and per-device counters only for devices that sent a
// request (docs/device-policy.md, "Memory").
//
// Not thread-safe: it belongs to the io_context thread that serves devices.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sentryd/device_counters.hpp"

namespace sentryd {

// The legend's tunnel state letters: A, B, P, W.
enum class DeviceStatus : std::uint8_t { allowed = 0, blocked = 1, pending = 2, wipe_pending = 3 };
// What the UEM's device list says about the device (none = not listed).
enum class UemStatus : std::uint8_t { none = 0, allowed = 1, blocked = 2, wipe = 3 };

char status_letter(DeviceStatus s);
std::string_view status_name(DeviceStatus s);
std::string_view uem_status_name(UemStatus s);

// Bounds on what a device may make us store (EAS device ids are at most 32
// characters per MS-ASHTTP; we allow slack).
inline constexpr std::size_t kMaxDeviceIdLen = 64;
inline constexpr std::size_t kMaxUserLen = 255;
inline constexpr std::size_t kMaxDeviceTypeLen = 64;
inline constexpr std::size_t kMaxRedirectLen = 2048;

struct DeviceEntry {
    enum Flags : std::uint8_t {
        live = 1,       // slot in use (freed slots are reused)
        validated = 2,  // decided by a local rule or the UEM ("Vs: Y")
        wiped = 4,      // the device acknowledged a remote wipe
    };
    std::uint32_t hash = 0;    // keyed hash of the case-folded key
    std::uint32_t arena = 0;   // offset of the device id, the user follows
    std::uint8_t dev_len = 0;
    std::uint8_t user_len = 0;
    DeviceStatus status = DeviceStatus::allowed;
    UemStatus uem = UemStatus::none;
    std::uint8_t flags = 0;
    std::uint8_t reserved = 0;
    std::uint16_t eas_version = 0;   // 141 = "14.1"; 0 = not seen yet
    std::uint16_t device_type = 0;   // interned; 0 = unknown
    std::uint16_t policy_gen = 0;    // policy generation the status was decided under
    std::uint32_t connections = 0;   // device connections open now
    std::uint32_t first_seen = 0;    // unix seconds; 0 = never connected
    std::uint32_t last_seen = 0;
    std::uint32_t redirect = 0;      // interned 451 X-MS-Location; 0 = none
    std::uint32_t stats = 0;         // 1-based index of its DeviceCounters; 0 = none yet
    std::uint32_t policy_key = 0;    // X-MS-PolicyKey the device last sent

    bool is(Flags f) const { return (flags & f) != 0; }
    void set(Flags f, bool on) { flags = on ? (flags | f) : (flags & ~f); }
};
static_assert(sizeof(DeviceEntry) <= 48, "device cache record grew: check the memory budget");

// A copy of an entry with its strings, for output and persistence.
struct DeviceView {
    std::string device_id;
    std::string user;
    std::string device_type;
    std::string redirect;
    DeviceEntry e;
};

struct DeviceCacheStats {
    std::size_t entries = 0;
    std::size_t with_counters = 0;
    std::size_t pending_validation = 0;  // Vs = N
    std::size_t by_status[4] = {};
    std::size_t bytes = 0;               // memory held by the cache's own structures
};

class DeviceCache {
public:
    using Id = std::uint32_t;
    static constexpr Id npos = 0xffffffffu;

    // max_entries bounds memory (and is at most ~4.19 M, the index's id width): at the bound, new devices are decided but
    // not cached (find_or_add returns npos and the caller counts it).
    explicit DeviceCache(std::size_t max_entries = 4'000'000);

    std::size_t size() const { return live_; }
    std::size_t max_entries() const { return max_entries_; }
    std::size_t slots() const { return entries_.size(); }  // ids are below this

    // Case-insensitive (ASCII) on both parts, as device ids and Windows user
    // names are. Callers validate lengths first; over-long keys never match.
    Id find(std::string_view device_id, std::string_view user) const;
    // Finds or creates; *created tells which. npos when full or a key is
    // empty or too long.
    Id find_or_add(std::string_view device_id, std::string_view user, bool* created = nullptr);
    bool erase(std::string_view device_id, std::string_view user);
    std::size_t clear();  // returns how many were dropped

    DeviceEntry& at(Id id) { return entries_[id]; }
    const DeviceEntry& at(Id id) const { return entries_[id]; }
    std::string_view device_id(Id id) const;
    std::string_view user(Id id) const;
    std::string_view device_type(Id id) const;
    std::string_view redirect(Id id) const;
    void set_device_type(Id id, std::string_view type);
    void set_redirect(Id id, std::string_view url);  // empty clears
    std::size_t clear_redirects();

    // Counters of one device, created on first use.
    DeviceCounters& counters(Id id);
    const DeviceCounters* counters_if(Id id) const;

    DeviceView view(Id id) const;

    // Cursor iteration over live entries in slot order: first(), then
    // next(id) until npos. Stable while no entry is added or erased, and a
    // paged reader (the control socket) resumes from a saved id.
    Id first() const { return next_from(0); }
    Id next(Id id) const { return next_from(id + 1); }
    Id next_from(Id from) const;

    DeviceCacheStats stats() const;

    // Persistent list: writes every entry whose state is known (status not
    // `pending`) to path via a temp file + fsync + rename, streaming (no copy
    // of the cache). Returns the number written, or -1 with *err.
    long save(const std::string& path, std::string* err) const;
    // Adds the entries of the file that are not in memory; returns how many
    // were added ("restored"), or -1 with *err (file missing, bad magic,
    // truncated, checksum).
    long load(const std::string& path, std::string* err);

private:
    std::uint32_t hash_key(std::string_view dev, std::string_view user) const;
    bool key_equals(const DeviceEntry& e, std::string_view dev, std::string_view user) const;
    void index_insert(Id id);
    void index_remove(Id id);
    void grow_index();
    std::uint32_t intern(std::vector<std::string>& pool, std::unordered_map<std::string, std::uint32_t>& map,
                         std::string_view s, std::uint32_t limit);
    void maybe_compact_arena();

    std::size_t max_entries_;
    std::uint64_t k0_, k1_;                 // SipHash key: device ids are attacker-chosen
    std::vector<DeviceEntry> entries_;
    std::vector<Id> free_;
    std::vector<std::uint32_t> index_;      // 0 = empty, else hash tag | (entry id + 1); linear probing
    std::vector<char> arena_;
    std::size_t arena_garbage_ = 0;
    std::size_t live_ = 0;
    std::vector<DeviceCounters> counters_;
    std::vector<std::uint32_t> counters_free_;
    std::vector<std::string> types_{""}, redirects_{""};
    std::unordered_map<std::string, std::uint32_t> type_ids_, redirect_ids_;
};

}  // namespace sentryd
