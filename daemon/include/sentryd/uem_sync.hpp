// The UEM connector's pure half (man 7 sentry-uem-api, docs/device-policy.md
// "UEM connector"): JSON pages -> device records, records -> the device
// cache, and the connectivity bookkeeping behind `show sentry status`. No
// sockets, no clock (callers pass `now`), no JSON types here; the Asio side
// that fetches the pages is src/uem_client.*.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sentryd/device_gate.hpp"
#include "sentryd/result.hpp"

namespace sentryd {

// What one device object of a page says. `removed` only comes in changes.
enum class UemChange : std::uint8_t { allowed, blocked, wipe, removed };

struct UemRecord {
    std::string device_id;
    std::string user;
    std::string device_type;
    UemChange change = UemChange::allowed;
};

// One page of `GET base/devices` (list) or `GET base/devices/changes`.
struct UemPage {
    std::vector<UemRecord> records;
    std::optional<std::string> next;  // list: token of the next page; none = last page
    std::string cursor;               // list: where delta polls start; changes: the next cursor
    bool more = false;                // changes: ask again at once from `cursor`
    std::size_t skipped = 0;          // objects with missing/other fields or out of bounds
};

// Bounds on what the UEM may make us hold: page tokens and cursors go back
// into a URL, so they are short and visible ASCII.
inline constexpr std::size_t kUemMaxTokenLen = 1024;
inline constexpr std::size_t kUemMaxBody = 16 * 1024 * 1024;
inline constexpr std::size_t kUemPageLimit = 1000;

// Parse one answer body. An error names what was wrong with the page as a
// whole (not JSON, `devices` missing, bad cursor); a bad object inside is
// skipped and counted instead, so one odd record does not stop a sync.
Result<UemPage> parse_uem_list(std::string_view body);
Result<UemPage> parse_uem_changes(std::string_view body);

// Request targets below the base URL's path ("/api"): query values are
// percent-encoded, a trailing '/' of the base is dropped.
std::string uem_list_target(std::string_view base_path, const std::optional<std::string>& page);
std::string uem_changes_target(std::string_view base_path, std::string_view cursor);

// Applies one record to the gate. allowed/blocked/wipe set the entry's UEM
// status (creating it); removed clears it (see DeviceGate::clear_uem).
// Returns false when the cache had no room for a new entry.
bool apply_uem_record(DeviceGate& gate, const UemRecord& r);

// One full resync in progress: pages are applied as they come; finish()
// clears the UEM status of every entry the list did not contain.
class UemFullSync {
public:
    explicit UemFullSync(DeviceGate& gate) : gate_(gate) {}
    // Applies a page's records (a `removed` in a list is treated as absent).
    void apply(const UemPage& page);
    // Entries with a UEM status that no page listed lose it; returns how many.
    std::size_t finish();
    long loaded() const { return loaded_; }        // records applied ("devices loaded")
    long not_cached() const { return not_cached_; }  // cache full
    std::size_t skipped() const { return skipped_; }

private:
    DeviceGate& gate_;
    std::vector<bool> seen_;  // by cache slot: 1 bit per entry, ~125 KiB at a million
    long loaded_ = 0, not_cached_ = 0;
    std::size_t skipped_ = 0;
};

// Who noticed a change, as `show sentry status` words it (spec §3.8).
enum class UemDetect : std::uint8_t { none, init, periodic, manual, config, checkin };
std::string_view detect_text(UemDetect d);

// Connectivity and fail-open bookkeeping for `show sentry status`.
struct UemHealth {
    enum class State : std::uint8_t { unknown, connected, disconnected };
    State state = State::unknown;
    std::int64_t changed_at = 0;  // 0 = never
    UemDetect changed_by = UemDetect::none;
    std::int64_t last_success = 0, last_failure = 0, next_check = 0;
    std::string last_error;  // of the last failure; never holds the token
    bool auth_failed = false;

    bool fail_open = true;
    std::int64_t fail_open_changed_at = 0;
    UemDetect fail_open_by = UemDetect::none;

    std::int64_t last_full = 0, next_full = 0;
    long last_full_count = -1;  // -1 = no full resync finished yet
    std::uint64_t requests = 0, failures = 0, full_resyncs = 0, delta_polls = 0, gone_410 = 0;
    std::uint64_t records_applied = 0, records_skipped = 0, not_cached = 0;

    // A check (poll or resync) ended. Returns true when connectivity flipped
    // (or was first learnt), so the caller re-decides the cache.
    bool success(std::int64_t now, UemDetect by);
    bool failure(std::int64_t now, UemDetect by, std::string why, bool auth);
    // The fail-open setting as configured; the first call is initialisation.
    void set_fail_open(bool allow, std::int64_t now, UemDetect by);
};

}  // namespace sentryd
