#include "syslog_dest.hpp"

#include "config_fields.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <charconv>

namespace micsd::syslog {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) return out;
        start = p + 1;
    }
}

// 1-65535 written canonically (no sign, no leading zero), or 0.
int port_of(const std::string& s) {
    if (s.empty() || s.size() > 5 || s[0] == '0') return 0;
    int n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || n < 1 || n > 65535) return 0;
    return n;
}

std::size_t index_of(const std::vector<std::string>& v, const std::string& s) {
    return std::size_t(std::find(v.begin(), v.end(), s) - v.begin());
}

}  // namespace

const std::vector<std::string>& facilities() {
    static const std::vector<std::string> f = {"general", "health-monitor", "audit"};
    return f;
}

const std::vector<std::string>& levels() {
    static const std::vector<std::string> l = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
    return l;
}

int facility_code(const std::string& facility) {
    if (facility == "general") return mics::syslog_facility_code(mics::LogFacility::general);
    if (facility == "health-monitor") return mics::syslog_facility_code(mics::LogFacility::health_monitor);
    if (facility == "audit") return mics::syslog_facility_code(mics::LogFacility::audit);
    return -1;
}

int severity_code(const std::string& level) {
    std::size_t i = index_of(levels(), level);
    return i < levels().size() ? int(i) : -1;
}

std::string canonical_server(const std::string& s, std::string* why) {
    auto bad = [&](const char* reason) {
        if (why) *why = reason;
        return std::string();
    };
    if (s.find(':') != std::string::npos) {
        in6_addr a{};
        char buf[INET6_ADDRSTRLEN];
        if (s.size() > 45 || inet_pton(AF_INET6, s.c_str(), &a) != 1 || !inet_ntop(AF_INET6, &a, buf, sizeof buf))
            return bad("server must be an IPv4 address, an IPv6 address or a host name");
        return buf;
    }
    bool dotted_digits = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return c == '.' || std::isdigit(static_cast<unsigned char>(c));
    });
    if (dotted_digits) {
        if (!model::ipv4(s)) return bad("server looks like an IPv4 address but is not one");
        return s;
    }
    if (!model::valid_hostname(s)) return bad("server must be an IPv4 address, an IPv6 address or a host name");
    std::string out = s;
    for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string make_key(const std::string& server, int port, const std::string& facility) {
    return server + "/" + std::to_string(port) + "/" + facility;
}

std::string make_value(const std::string& protocol, const std::string& level, bool enabled) {
    return protocol + " " + level + (enabled ? " enable" : " disable");
}

std::string check_key(const std::string& key) {
    auto parts = split(key, '/');
    if (parts.size() != 3) return "key must be <server>/<port>/<facility>";
    std::string why;
    std::string server = canonical_server(parts[0], &why);
    if (server.empty()) return why;
    if (server != parts[0]) return "server must be written as " + server;
    if (!port_of(parts[1])) return "port must be 1-65535";
    if (facility_code(parts[2]) < 0) return "facility must be general, health-monitor or audit";
    return {};
}

std::string check_value(const std::string& value) {
    auto w = split(value, ' ');
    if (w.size() != 3) return "must be '<UDP|TCP> <level> <enable|disable>'";
    if (w[0] != "UDP" && w[0] != "TCP") return "protocol must be UDP or TCP";
    if (severity_code(w[1]) < 0) return "log level must be emerg, alert, crit, err, warning, notice, info or debug";
    if (w[2] != "enable" && w[2] != "disable") return "state must be enable or disable";
    return {};
}

std::optional<Destination> parse(const std::string& key, const std::string& value) {
    if (!check_key(key).empty() || !check_value(value).empty()) return std::nullopt;
    auto k = split(key, '/');
    auto v = split(value, ' ');
    return Destination{k[0], port_of(k[1]), k[2], v[0], v[1], v[2] == "enable"};
}

std::vector<Destination> destinations(const Config& c) {
    std::vector<Destination> out;
    for (const auto& [k, v] : entries(c, kFamily))
        if (auto d = parse(k, std::get<std::string>(v))) out.push_back(*d);
    return out;
}

bool key_less(const std::string& a, const std::string& b) {
    auto ka = split(a, '/'), kb = split(b, '/');
    if (ka.size() != 3 || kb.size() != 3) return a < b;
    if (ka[0] != kb[0]) return ka[0] < kb[0];
    if (ka[1] != kb[1]) return port_of(ka[1]) < port_of(kb[1]);
    return index_of(facilities(), ka[2]) < index_of(facilities(), kb[2]);
}

std::string render_line(const Destination& d) {
    return "syslog " + d.server + " " + std::to_string(d.port) + " " + d.protocol + " " + d.facility + " " + d.level +
           (d.enabled ? " enable" : " disable");
}

std::optional<Destination> parse_line(const std::vector<std::string>& w) {
    // syslog SERVER [PORT] PROTO FACILITY LEVEL [STATE]: 5 to 7 words.
    if (w.size() < 5 || w.size() > 7 || w[0] != "syslog") return std::nullopt;
    Destination d;
    std::size_t i = 1;
    d.server = canonical_server(w[i++]);
    if (d.server.empty()) return std::nullopt;
    if (w[i] != "UDP" && w[i] != "TCP") {
        d.port = port_of(w[i++]);
        if (!d.port) return std::nullopt;
    }
    if (w.size() - i < 3 || w.size() - i > 4) return std::nullopt;
    d.protocol = w[i++];
    d.facility = w[i++];
    d.level = w[i++];
    if (i < w.size()) {
        if (w[i] != "enable" && w[i] != "disable") return std::nullopt;
        d.enabled = w[i] == "enable";
    }
    if (d.protocol != "UDP" && d.protocol != "TCP") return std::nullopt;
    if (facility_code(d.facility) < 0 || severity_code(d.level) < 0) return std::nullopt;
    return d;
}

std::string logging_table(const std::vector<Destination>& ds) {
    std::vector<std::vector<std::string>> rows = {
        {"Hostname / IP Address", "Port", "Protocol", "Facility Type", "Log Level", "State"}};
    for (const auto& d : ds)
        rows.push_back({d.server, std::to_string(d.port), d.protocol, d.facility, d.level,
                        d.enabled ? "enable" : "disable"});
    std::vector<std::size_t> w = {29, 6, 10, 16, 11, 8};  // the reference's
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size() + 2);
    std::string border = "+";
    for (std::size_t x : w) border += std::string(x, '-') + "+";
    // A cell is a separator (' ' before the first), a space, the text padded
    // to the column: the header separates with '+', rows with ' '.
    auto line = [&](const std::vector<std::string>& r, char sep) {
        std::string out;
        for (std::size_t i = 0; i < r.size(); ++i) {
            out += i == 0 ? ' ' : sep;
            out += ' ' + r[i] + std::string(w[i] - 1 - r[i].size(), ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string text = border + "\n" + line(rows[0], '+') + border + "\n";
    for (std::size_t k = 1; k < rows.size(); ++k) text += line(rows[k], ' ');
    return text;
}

}  // namespace micsd::syslog
