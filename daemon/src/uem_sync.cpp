#include "sentryd/uem_sync.hpp"

#include <nlohmann/json.hpp>

namespace sentryd {

using json = nlohmann::json;

namespace {

bool visible_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
    return true;
}

// Device ids, users and types end up in logs, JSON replies and the CLI
// table: no control characters (UTF-8 above 0x7f is fine).
bool no_controls(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
}

std::optional<UemRecord> read_record(const json& o, bool changes) {
    if (!o.is_object()) return std::nullopt;
    auto str = [&](const char* k, std::size_t min, std::size_t max, std::string& out) {
        auto it = o.find(k);
        if (it == o.end() || !it->is_string()) return false;
        const auto& s = it->get_ref<const std::string&>();
        if (s.size() < min || s.size() > max || !no_controls(s)) return false;
        out = s;
        return true;
    };
    UemRecord r;
    std::string status;
    if (!str("device_id", 1, kMaxDeviceIdLen, r.device_id) || !str("user", 0, kMaxUserLen, r.user) ||
        !str("status", 1, 16, status))
        return std::nullopt;
    if (o.contains("device_type") && !o["device_type"].is_null() &&
        !str("device_type", 0, kMaxDeviceTypeLen, r.device_type))
        return std::nullopt;
    if (status == "allowed") r.change = UemChange::allowed;
    else if (status == "blocked") r.change = UemChange::blocked;
    else if (status == "wipe") r.change = UemChange::wipe;
    else if (status == "removed" && changes) r.change = UemChange::removed;
    else return std::nullopt;
    return r;
}

Result<json> parse_object(std::string_view body) {
    if (body.size() > kUemMaxBody) return Result<json>::fail("body over 16 MiB");
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Result<json>::fail("malformed JSON");
    if (!j.is_object()) return Result<json>::fail("not a JSON object");
    return j;
}

// A cursor or page token: a non-empty string of visible ASCII.
Status read_token(const json& j, const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return Status::fail(std::string(key) + ": missing or not a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty() || s.size() > kUemMaxTokenLen || !visible_ascii(s))
        return Status::fail(std::string(key) + ": must be 1-1024 visible ASCII characters");
    out = s;
    return ok_status();
}

void read_records(const json& arr, bool changes, UemPage& page) {
    page.records.reserve(arr.size());
    for (const auto& o : arr) {
        if (auto r = read_record(o, changes))
            page.records.push_back(std::move(*r));
        else
            ++page.skipped;
    }
}

void append_encoded(std::string& out, std::string_view v) {
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char c : v) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
}

// The base path without trailing '/', so "/" + "devices" never doubles it.
std::string base(std::string_view path) {
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (!path.empty() && path.front() != '/') return "/" + std::string(path);
    return std::string(path);
}

}  // namespace

Result<UemPage> parse_uem_list(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return Result<UemPage>::fail(parsed.error());
    const json& j = parsed.value();
    UemPage page;
    auto devs = j.find("devices");
    if (devs == j.end() || !devs->is_array()) return Result<UemPage>::fail("devices: missing or not an array");
    if (devs->size() > 100000) return Result<UemPage>::fail("devices: more than 100000 on one page");
    auto next = j.find("next");
    if (next != j.end() && !next->is_null()) {
        std::string tok;
        if (auto st = read_token(j, "next", tok); !st) return Result<UemPage>::fail(st.error());
        page.next = std::move(tok);
    }
    // Only the last page's cursor matters; earlier pages may leave it out.
    if (!page.next || j.contains("cursor"))
        if (auto st = read_token(j, "cursor", page.cursor); !st) return Result<UemPage>::fail(st.error());
    read_records(*devs, false, page);
    return page;
}

Result<UemPage> parse_uem_changes(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return Result<UemPage>::fail(parsed.error());
    const json& j = parsed.value();
    UemPage page;
    auto ch = j.find("changes");
    if (ch == j.end() || !ch->is_array()) return Result<UemPage>::fail("changes: missing or not an array");
    if (ch->size() > 100000) return Result<UemPage>::fail("changes: more than 100000 on one page");
    if (auto st = read_token(j, "cursor", page.cursor); !st) return Result<UemPage>::fail(st.error());
    if (auto m = j.find("more"); m != j.end()) {
        if (!m->is_boolean()) return Result<UemPage>::fail("more: not a boolean");
        page.more = m->get<bool>();
    }
    read_records(*ch, true, page);
    return page;
}

std::string uem_list_target(std::string_view base_path, const std::optional<std::string>& page) {
    std::string t = base(base_path) + "/devices?limit=" + std::to_string(kUemPageLimit);
    if (page) {
        t += "&page=";
        append_encoded(t, *page);
    }
    return t;
}

std::string uem_changes_target(std::string_view base_path, std::string_view cursor) {
    std::string t = base(base_path) + "/devices/changes?since=";
    append_encoded(t, cursor);
    t += "&limit=" + std::to_string(kUemPageLimit);
    return t;
}

bool apply_uem_record(DeviceGate& gate, const UemRecord& r) {
    switch (r.change) {
        case UemChange::allowed: return gate.apply_uem(r.device_id, r.user, r.device_type, UemStatus::allowed);
        case UemChange::blocked: return gate.apply_uem(r.device_id, r.user, r.device_type, UemStatus::blocked);
        case UemChange::wipe: return gate.apply_uem(r.device_id, r.user, r.device_type, UemStatus::wipe);
        case UemChange::removed: gate.clear_uem(r.device_id, r.user); return true;
    }
    return true;
}

void UemFullSync::apply(const UemPage& page) {
    skipped_ += page.skipped;
    DeviceCache& cache = gate_.cache();
    for (const auto& r : page.records) {
        if (r.change == UemChange::removed) continue;  // parse_uem_list never yields it
        if (!apply_uem_record(gate_, r)) {
            ++not_cached_;
            continue;
        }
        auto id = cache.find(r.device_id, r.user);
        if (id == DeviceCache::npos) continue;
        if (id >= seen_.size()) seen_.resize(cache.slots());
        seen_[id] = true;
        ++loaded_;
    }
}

std::size_t UemFullSync::finish() {
    DeviceCache& cache = gate_.cache();
    std::size_t cleared = 0;
    // Ids stay valid while entries are erased (slots are only freed), so the
    // walk can drop entries as it goes.
    for (auto id = cache.first(); id != DeviceCache::npos; id = cache.next(id)) {
        if (cache.at(id).uem == UemStatus::none) continue;
        if (id < seen_.size() && seen_[id]) continue;
        gate_.clear_uem(id);
        ++cleared;
    }
    seen_.clear();
    seen_.shrink_to_fit();
    return cleared;
}

std::string_view detect_text(UemDetect d) {
    switch (d) {
        case UemDetect::none: return "Never";
        case UemDetect::init: return "Sentry initialization";
        case UemDetect::periodic: return "Periodic connectivity check";
        case UemDetect::manual: return "Manual load (debug sentry device-cache from-emm)";
        case UemDetect::config: return "Configuration change";
        case UemDetect::checkin: return "Manual check-in (debug sentry check-in)";
    }
    return "?";
}

bool UemHealth::success(std::int64_t now, UemDetect by) {
    last_success = now;
    auth_failed = false;
    if (state == State::connected) return false;
    state = State::connected;
    changed_at = now;
    changed_by = by;
    return true;
}

bool UemHealth::failure(std::int64_t now, UemDetect by, std::string why, bool auth) {
    ++failures;
    last_failure = now;
    last_error = std::move(why);
    auth_failed = auth;
    if (state == State::disconnected) return false;
    state = State::disconnected;
    changed_at = now;
    changed_by = by;
    return true;
}

void UemHealth::set_fail_open(bool allow, std::int64_t now, UemDetect by) {
    if (fail_open_by != UemDetect::none && allow == fail_open) return;
    fail_open = allow;
    fail_open_changed_at = now;
    fail_open_by = by;
}

}  // namespace sentryd
