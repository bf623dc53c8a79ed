#include "sentryd/device_policy.hpp"
#include "sentryd/ascii.hpp"

namespace sentryd {

namespace {
constexpr char fold(char c) { return ascii_lower(c); }
}  // namespace

bool DevicePolicy::operator==(const DevicePolicy& o) const {
    if (uem != o.uem || auto_block_unregistered != o.auto_block_unregistered || fail_open != o.fail_open ||
        rules.size() != o.rules.size())
        return false;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const DeviceRule &a = rules[i], &b = o.rules[i];
        if (a.seq != b.seq || a.action != b.action || a.field != b.field || a.pattern != b.pattern) return false;
    }
    return true;
}

// The classic two-pointer wildcard match: on a mismatch after a `*`, retry
// with the star eating one more character. O(|p|·|t|) worst case, no recursion.
bool glob_match(std::string_view p, std::string_view t) {
    std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && (p[pi] == '?' || fold(p[pi]) == fold(t[ti]))) {
            ++pi;
            ++ti;
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

std::string_view action_name(RuleAction a) {
    switch (a) {
        case RuleAction::allow: return "allow";
        case RuleAction::block: return "block";
        case RuleAction::wipe: return "wipe";
    }
    return "?";
}

std::string_view field_name(RuleField f) {
    switch (f) {
        case RuleField::device_id: return "device-id";
        case RuleField::user: return "user";
        case RuleField::device_type: return "device-type";
    }
    return "?";
}

Verdict decide(const DevicePolicy& p, std::string_view device_id, std::string_view user,
               std::string_view device_type, UemStatus uem, bool wiped, bool uem_reachable) {
    auto wipe_or_blocked = [&] { return wiped ? DeviceStatus::blocked : DeviceStatus::wipe_pending; };
    // Local rules first in both modes: they are the administrator's override.
    for (std::size_t i = 0; i < p.rules.size(); ++i) {
        const DeviceRule& r = p.rules[i];
        std::string_view subject = r.field == RuleField::device_id ? device_id
                                   : r.field == RuleField::user    ? user
                                                                   : device_type;
        if (!glob_match(r.pattern, subject)) continue;
        Verdict v;
        v.validated = true;
        v.rule = static_cast<int>(i);
        v.status = r.action == RuleAction::allow   ? DeviceStatus::allowed
                   : r.action == RuleAction::block ? DeviceStatus::blocked
                                                   : wipe_or_blocked();
        return v;
    }
    Verdict v;
    if (p.uem && uem != UemStatus::none) {
        v.validated = true;
        v.status = uem == UemStatus::allowed   ? DeviceStatus::allowed
                   : uem == UemStatus::blocked ? DeviceStatus::blocked
                                               : wipe_or_blocked();
        return v;
    }
    // Not decided by anyone: the unregistered-device settings.
    if (p.uem && !uem_reachable) {
        // Whether the UEM knows the device cannot be asked: fail-open decides.
        v.status = p.fail_open ? DeviceStatus::allowed : DeviceStatus::blocked;
    } else if (p.auto_block_unregistered) {
        v.status = DeviceStatus::blocked;
    } else if (p.uem) {
        v.status = DeviceStatus::pending;  // passes; the next UEM poll decides it
    } else {
        v.status = DeviceStatus::allowed;
    }
    return v;
}

Dc command_counter(std::string_view cmd) {
    struct M {
        std::string_view name;
        Dc c;
    };
    static constexpr M kMap[] = {
        {"Provision", Dc::cmd_provision},       {"Sync", Dc::cmd_sync},
        {"FolderSync", Dc::cmd_folder_sync},    {"Ping", Dc::cmd_ping},
        {"GetAttachment", Dc::cmd_get_attachment}, {"ItemOperations", Dc::cmd_item_operations},
    };
    if (cmd.empty()) return Dc::cmd_none;
    for (const M& m : kMap)
        if (iequals(m.name, cmd)) return m.c;
    return Dc::cmd_unknown;
}

Dc status_counter(unsigned status) {
    switch (status) {
        case 200: return Dc::http_status_200;
        case 401: return Dc::http_status_401;
        case 404: return Dc::http_status_404;
        case 409: return Dc::http_status_409;
        default: return (status >= 500 && status <= 599) ? Dc::http_status_5xx : Dc::http_status_other;
    }
}

}  // namespace sentryd
