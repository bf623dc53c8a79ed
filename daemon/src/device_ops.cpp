#include "sentryd/device_ops.hpp"
#include "sentryd/ascii.hpp"

#include <nlohmann/json.hpp>

#include <ctime>

namespace sentryd {

using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxPage = 2000;

// "Never" for a time that has not happened yet, else t in UTC as fmt.
std::string utc(std::int64_t t, const char* fmt) {
    if (t <= 0) return "Never";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}
std::string gmt(std::int64_t t) { return utc(t, "%Y-%m-%d %H:%M:%S GMT"); }  // spec §3.6

std::string version_text(std::uint16_t v) {
    if (v == 0) return "";
    return std::to_string(v / 10) + "." + std::to_string(v % 10);
}

json row(const DeviceCache& c, DeviceCache::Id id) {
    const DeviceEntry& e = c.at(id);
    std::string dev(c.device_id(id));
    return {{"user", std::string(c.user(id))},
            {"state", std::string(1, status_letter(e.status))},
            {"status", std::string(status_name(e.status))},
            {"validated", e.is(DeviceEntry::validated)},
            {"connections", e.connections},
            {"version", version_text(e.eas_version)},
            {"last_seen", e.last_seen},
            {"time", gmt(e.last_seen)},
            {"application", "ActiveSync"},
            {"device_id", dev},
            {"tunnel_id", ascii_lowered(dev)},
            {"device_type", std::string(c.device_type(id))}};
}

const char* kPeakNames[9][2] = {
    {"peak-heap-mem-used-MB", "peak-date-heap-mem-used-MB"},
    {"peak-buff-cached-mem-used-MB", "peak-date-buff-cached-mem-used-MB"},
    {"peak-process-virtual-mem-used-MB", "peak-date-process-virtual-mem-used-MB"},
    {"peak-process-resident-mem-used-MB", "peak-date-process-resident-mem-used-MB"},
    {"peak-cpu-%", "peak-date-cpu-%"},
    {"peak-mem-%", "peak-date-mem-%"},
    {"peak-running-threads", "peak-date-running-threads"},
    {"peak-device-cache-size", "peak-date-device-cache-size"},
    {"peak-user-url-cache-size", "peak-date-user-url-cache-size"},
};

}  // namespace

std::string java_date(std::int64_t t) { return utc(t, "%a %b %d %H:%M:%S UTC %Y"); }  // spec §3.8, §3.10

void DeviceOps::sample(const SystemSample& s, const Utilization& u, std::int64_t now) {
    double v[9] = {s.heap_mb, s.buff_cached_mb, s.virt_mb, s.rss_mb, s.cpu_pct, s.mem_pct,
                   double(s.threads), double(s.device_cache), double(s.user_url_cache)};
    for (int i = 0; i < 9; ++i)
        if (peaks_[i].at == 0 || v[i] > peaks_[i].value) peaks_[i] = {v[i], now};
    util_ = u;
}

long DeviceOps::save(std::int64_t now, std::string* err) {
    long n = gate_.cache().save(path_, err);
    if (n >= 0) {
        last_save_ = now;
        last_save_count_ = n;
    }
    return n;
}

long DeviceOps::restore(std::int64_t now, std::string* err) {
    long n = gate_.cache().load(path_, err);
    if (n >= 0) {
        last_restore_ = now;
        last_restore_count_ = n;
        // Restored entries are decided under the current policy, not the old one.
        gate_.redecide_all();
    }
    return n;
}

bool DeviceOps::handle(const std::string& op, std::string_view args_json, std::int64_t now, std::string& data_json,
                       std::string& code, std::string& message) {
    if (op.rfind("devices.", 0) != 0 && op.rfind("stats.", 0) != 0) return false;
    json a = json::parse(args_json, nullptr, false);
    if (!a.is_object()) a = json::object();
    auto str = [&](const char* k) {
        auto it = a.find(k);
        return it != a.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto fail = [&](const char* c, std::string m) {
        code = c;
        message = std::move(m);
        return true;
    };
    DeviceCache& cache = gate_.cache();
    json out;

    if (op == "devices.list") {
        // Pages of at most kMaxPage rows; `next` resumes (a full dump streams
        // through the socket page by page, never as one copy of the cache).
        std::string filter = str("filter"), value = str("value");
        std::size_t limit = a.value("limit", 500);
        if (limit == 0 || limit > kMaxPage) limit = kMaxPage;
        std::uint64_t cursor = a.value("cursor", std::uint64_t{0});
        long long min_conn = 0;
        if (filter == "min-connection") min_conn = a.value("min", 0LL);
        json rows = json::array();
        if (filter == "app-tunnel") {  // no app tunnels on this appliance: always empty
            out = {{"rows", rows}, {"next", nullptr}};
            data_json = out.dump();
            return true;
        }
        if (!filter.empty() && filter != "all" && filter != "active-sync" && filter != "device" && filter != "user" &&
            filter != "min-connection" && filter != "validation-pending" && filter != "entry")
            return fail("bad_request", "filter: unknown");
        DeviceCache::Id id = cursor > 0xffffffffULL ? DeviceCache::npos : cache.next_from(static_cast<DeviceCache::Id>(cursor));
        std::size_t scanned = 0;
        for (; id != DeviceCache::npos && rows.size() < limit && scanned < 200000; id = cache.next(id), ++scanned) {
            const DeviceEntry& e = cache.at(id);
            bool keep = true;
            if (filter == "device") keep = icontains(cache.device_id(id), value);
            else if (filter == "user") keep = icontains(cache.user(id), value);
            else if (filter == "min-connection") keep = e.connections >= static_cast<std::uint64_t>(min_conn);
            else if (filter == "validation-pending") keep = e.is(DeviceEntry::validated) == (value == "no");
            else if (filter == "entry")
                keep = iequals(cache.device_id(id), value) && iequals(cache.user(id), str("user"));
            if (keep) rows.push_back(row(cache, id));
        }
        out = {{"rows", std::move(rows)}, {"next", id == DeviceCache::npos ? json(nullptr) : json(id)}};
    } else if (op == "devices.entry") {
        auto id = cache.find(str("device_id"), str("user"));
        if (id == DeviceCache::npos) return fail("not_found", "no device-cache entry for that device and user");
        const DeviceEntry& e = cache.at(id);
        out = row(cache, id);
        out["uem_status"] = std::string(uem_status_name(e.uem));
        out["wiped"] = e.is(DeviceEntry::wiped);
        out["first_seen"] = gmt(e.first_seen);
        out["policy_key"] = e.policy_key;
        out["redirect_url"] = std::string(cache.redirect(id));
    } else if (op == "devices.status") {
        auto s = cache.stats();
        out = {{"in_memory", s.entries},
               {"persistent", last_save_count_ >= 0 ? json(last_save_count_) : json(nullptr)},
               {"last_disk_update", java_date(last_save_)},
               {"next_disk_update", java_date(next_save_)},
               {"last_restore", java_date(last_restore_)},
               {"last_restore_count", last_restore_count_},
               {"last_uem_load", java_date(last_uem_load_)},
               {"last_uem_load_count", last_uem_count_},
               {"pending_validation", s.pending_validation},
               {"allowed", s.by_status[0]},
               {"blocked", s.by_status[1]},
               {"pending", s.by_status[2]},
               {"wipe_pending", s.by_status[3]},
               {"with_counters", s.with_counters},
               {"max_entries", cache.max_entries()},
               {"memory_bytes", s.bytes},
               {"not_cached", gate_.events().not_cached}};
    } else if (op == "devices.purge") {
        if (a.value("all", false)) {
            out = {{"purged", cache.clear()}};
        } else {
            bool ok = cache.erase(str("device_id"), str("user"));
            if (!ok) return fail("not_found", "no device-cache entry for that device and user");
            out = {{"purged", 1}};
        }
    } else if (op == "devices.to_disk") {
        std::string err;
        long n = save(now, &err);
        if (n < 0) return fail("failed", "cannot write the device list: " + err);
        out = {{"written", n}};
    } else if (op == "devices.from_disk") {
        std::string err;
        long n = restore(now, &err);
        if (n < 0) return fail("failed", "cannot read the device list: " + err);
        out = {{"restored", n}};
    } else if (op == "devices.clear_redirect") {
        if (a.value("all", false)) {
            out = {{"cleared", cache.clear_redirects()}};
        } else {
            auto id = cache.find(str("device_id"), str("user"));
            if (id == DeviceCache::npos) return fail("not_found", "no device-cache entry for that device and user");
            cache.set_redirect(id, "");
            out = {{"cleared", 1}};
        }
    } else if (op == "stats.entry") {
        auto id = cache.find(str("device_id"), str("user"));
        if (id == DeviceCache::npos) return fail("not_found", "no statistics for that device and user");
        const DeviceCounters* c = cache.counters_if(id);
        json counters = json::array();
        for (std::size_t i = 0; i < kDeviceCounterCount; ++i)
            counters.push_back({{"name", std::string(kDeviceCounterNames[i])},
                                {"value", c ? c->get(static_cast<Dc>(i)) : 0}});
        out = {{"counters", std::move(counters)}};
    } else if (op == "stats.global") {
        std::string group = str("group");
        json counters = json::array();
        if (group == "device") {
            for (std::size_t i = 0; i < kDeviceCounterCount; ++i)
                counters.push_back({{"name", std::string(kDeviceCounterNames[i])},
                                    {"value", gate_.global().get(static_cast<Dc>(i))}});
        } else if (group == "system") {
            for (int i = 0; i < 9; ++i) {
                const Peak& p = peaks_[i];
                bool whole = i >= 6;  // counts, not megabytes or percent
                counters.push_back({{"name", kPeakNames[i][0]},
                                    {"value", whole ? json(static_cast<std::uint64_t>(p.value))
                                                    : json(static_cast<double>(static_cast<long long>(p.value * 10)) / 10)}});
                counters.push_back({{"name", kPeakNames[i][1]}, {"value", java_date(p.at)}});
            }
        } else if (group == "server") {
            for (std::size_t i = 0; i < kHcCount; ++i)
                counters.push_back({{"name", kHcNames[i]}, {"value", hc_ ? hc_->v[i] : 0}});
        } else {
            return fail("bad_request", "group: must be device, system or server");
        }
        out = {{"counters", std::move(counters)}};
    } else if (op == "stats.utilization") {
        std::size_t connected = 0;
        for (auto id = cache.first(); id != DeviceCache::npos; id = cache.next(id))
            connected += cache.at(id).connections > 0;
        out = {{"connected_devices", connected},
               {"open_connections", util_.open_connections},
               {"loop_busy_pct", util_.busy_pct},
               {"cpu_pct", util_.cpu_pct},
               {"mem_pct", util_.mem_pct},
               {"heap_pct", util_.heap_pct}};
    } else {
        return fail("unknown_op", "unknown op: " + op);
    }
    data_json = out.dump();
    return true;
}

}  // namespace sentryd
