#include "input.hpp"

#include <nlohmann/json.hpp>

namespace sshd {

using nlohmann::json;

bool valid_user(std::string_view user) {
    if (user.empty() || user.size() > kMaxUser) return false;
    for (unsigned char c : user)
        if (c <= 0x20 || c >= 0x7f) return false;
    return true;
}

bool valid_password(std::string_view pw) {
    return pw.size() <= kMaxPassword && pw.find('\0') == std::string_view::npos;
}

bool valid_command(std::string_view cmd) {
    if (cmd.empty() || cmd.size() > kMaxCommand) return false;
    for (char c : cmd)
        if (c == '\0' || c == '\n' || c == '\r') return false;
    return true;
}

std::string safe_term(std::string_view term) {
    if (term.empty() || term.size() > kMaxTerm) return {};
    for (unsigned char c : term) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '+' || c == '-';
        if (!ok) return {};
    }
    return std::string(term);
}

bool env_allowed(std::string_view name, std::string_view value) {
    if (name == "TERM") return !safe_term(value).empty();
    if (name != "LANG" || value.empty() || value.size() > kMaxEnvValue) return false;
    for (unsigned char c : value) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-' || c == '@';
        if (!ok) return false;
    }
    return true;
}

std::string printable(std::string_view s, std::size_t max) {
    std::string out;
    for (unsigned char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
    if (s.size() > max) out += "...";
    return out;
}

SshSettings parse_ssh_settings(std::string_view data_json) {
    SshSettings s;
    json j = json::parse(data_json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return s;
    auto int_in = [&](const char* key, int lo, int hi, int& out) {
        if (j.contains(key) && j[key].is_number_integer()) {
            auto v = j[key].get<long long>();
            if (v >= lo && v <= hi) out = int(v);
        }
    };
    int_in("max_sessions", 1, 100, s.max_sessions);
    int_in("grace_time_s", 1, 600, s.grace_time_s);
    int_in("idle_timeout_min", 0, 1440, s.idle_timeout_min);
    if (j.contains("enabled") && j["enabled"].is_boolean()) s.enabled = j["enabled"].get<bool>();
    if (j.contains("banner") && j["banner"].is_string()) {
        s.banner = j["banner"].get<std::string>();
        if (s.banner.size() > kMaxBanner) s.banner.resize(kMaxBanner);
        if (!s.banner.empty() && s.banner.back() != '\n') s.banner += '\n';
    }
    return s;
}

std::string login_args(std::string_view user, std::string_view password, std::string_view source) {
    json j = {{"user", std::string(user)},
              {"password", std::string(password)},
              {"source", std::string(source)},
              {"service", "ssh"}};
    // Invalid UTF-8 must not throw here; MICS rejects the login instead.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string max_sessions_message(int max) {
    return "% Maximum number of SSH sessions (" + std::to_string(max) + ") reached\r\n";
}

}  // namespace sshd
