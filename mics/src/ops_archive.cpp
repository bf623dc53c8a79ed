// Op rows for the configuration archive (list, diff, rollback, confirm-or-
// revert, erase startup, export/import), the audit trail and service control.
// Privilege is in each row, as in ops.cpp; ops.cpp appends these rows.
#include "files.hpp"
#include "ops_detail.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace micsd::ops {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxListed = 100;      // show archive: newest revisions listed
constexpr std::size_t kMaxDiffLines = 5000;
constexpr auto kServiceGrace = std::chrono::seconds(10);  // bounded: MICS's loop waits for it

std::string iso_utc(std::int64_t t) {
    std::time_t tt = std::time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string clip(const std::string& s, std::size_t max) {
    return s.size() <= max ? s : s.substr(0, max - 3) + "...";
}

std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

}  // namespace

std::string columns(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.push_back(0);
            w[i] = std::max(w[i], r[i].size());
        }
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) line += i + 1 < r.size() ? pad(r[i], w[i] + 2) : r[i];
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l) && out.size() < kMaxDiffLines;) out.push_back(l);
    return out;
}

// Longest-common-subsequence line diff; only changed lines, in order.
std::vector<std::pair<char, std::string>> diff_lines(const std::vector<std::string>& a,
                                                      const std::vector<std::string>& b) {
    std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::uint32_t>> l(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            l[i][j] = a[i] == b[j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
    std::vector<std::pair<char, std::string>> out;
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            ++i, ++j;
        } else if (j < m && (i == n || l[i][j + 1] >= l[i + 1][j])) {
            out.push_back({'+', b[j++]});
        } else {
            out.push_back({'-', a[i++]});
        }
    }
    return out;
}

Config load_revision(App& app, std::int64_t id) {
    auto r = app.store().revision(id);
    if (!r) fail("not_found", "revision " + std::to_string(id) + " does not exist");
    Config c;
    std::string err;
    if (!from_json(r->config, c, &err)) fail("internal", "revision " + std::to_string(id) + " is invalid: " + err);
    return c;
}

json pending_json(const App& app) {
    const auto& p = app.pending_revert();
    if (!p) return nullptr;
    return {{"revision", p->revision}, {"deadline", iso_utc(p->deadline)}, {"minutes", p->minutes},
            {"user", p->user}, {"seconds_left", std::max<std::int64_t>(0, p->deadline - std::time(nullptr))}};
}

json archive_list(App& app, Session&, const json&) {
    auto startup = app.store().startup_id();
    std::vector<std::vector<std::string>> rows = {{"", "Rev", "Time (UTC)", "User", "Source", "Command"}};
    json list = json::array();
    for (const auto& r : app.store().revisions(kMaxListed)) {
        bool running = r.id == app.revision(), boot = startup && *startup == r.id;
        std::string mark = std::string(running ? "R" : " ") + (boot ? "S" : " ");
        rows.push_back({mark, std::to_string(r.id), iso_utc(r.time), clip(r.meta.user, 16), clip(r.meta.source, 24),
                        clip(r.meta.command, 48)});
        list.push_back({{"id", r.id}, {"time", iso_utc(r.time)}, {"user", r.meta.user}, {"source", r.meta.source},
                        {"session", r.meta.session}, {"command", r.meta.command}, {"running", running},
                        {"startup", boot}});
    }
    std::string text = columns(rows) + "R = running, S = startup-config" +
                       (startup ? "" : " (startup-config erased: the next boot loads the factory configuration)") +
                       "\n";
    json pending = pending_json(app);
    if (!pending.is_null())
        text += "Pending revert: to revision " + std::to_string(pending["revision"].get<std::int64_t>()) + " at " +
                pending["deadline"].get<std::string>() + " (" +
                std::to_string(pending["seconds_left"].get<std::int64_t>()) +
                " s left) unless confirmed with 'configure confirm'\n";
    return {{"text", text},
            {"data", {{"revisions", list}, {"running", app.revision()},
                      {"startup", startup ? json(*startup) : json(nullptr)}, {"pending_revert", pending}}}};
}

json archive_diff(App& app, Session&, const json& a) {
    std::int64_t ra = int_arg(a, "a", 1, 2147483647), rb = int_arg(a, "b", 1, 2147483647);
    // Effective configurations (defaults included): a setting put back to its
    // default is a change worth seeing before a rollback.
    auto la = lines_of(render(load_revision(app, ra), true));
    auto lb = lines_of(render(load_revision(app, rb), true));
    std::string text = "--- revision " + std::to_string(ra) + "\n+++ revision " + std::to_string(rb) + "\n";
    json removed = json::array(), added = json::array();
    auto d = diff_lines(la, lb);
    for (const auto& [op, l] : d) {
        text += std::string(1, op) + " " + l + "\n";
        (op == '-' ? removed : added).push_back(l);
    }
    if (d.empty()) text += "No differences.\n";
    return {{"text", text}, {"data", {{"a", ra}, {"b", rb}, {"removed", removed}, {"added", added}}}};
}

// ---- export / import --------------------------------------------------------

// Files live only in <state>/exports/: a bare, bounded name keeps user input
// away from every other path.
std::string export_path(App& app, const std::string& name) {
    if (name.empty() || name.size() > 128) fail("invalid", "a file name has 1-128 characters");
    if (name[0] == '.') fail("invalid", "a file name must not start with '.'");
    for (unsigned char c : name) {
        if (c == '/') fail("invalid", "a file name must not contain '/'");
        if (c <= 0x20 || c >= 0x7f) fail("invalid", "a file name is printable characters without spaces");
    }
    std::string dir = app.options().paths.state + "/exports";
    std::error_code ec;
    fs::create_directories(dir, ec);
    // The export holds credentials (the SNMP community).
    ::chmod(dir.c_str(), 0700);
    return dir + "/" + name;
}

json config_export(App& app, Session&, const json& a) {
    std::string name = str_arg(a, "file", 256);
    std::string path = export_path(app, name);
    std::string text = "! Sentry configuration export: revision " + std::to_string(app.revision()) + ", " +
                       iso_utc(std::time(nullptr)) + ", hostname " +
                       get_string(app.running(), "system.hostname") + "\n" + render(app.running(), false);
    // write_file_atomic opens with O_NOFOLLOW: a symlink planted in exports/ cannot redirect it.
    if (!write_file_atomic(path, text, 0600)) fail("internal", "cannot write " + name + ": " + std::strerror(errno));
    return {{"file", name}, {"revision", app.revision()}, {"bytes", text.size()}};
}

json config_import(App& app, Session& s, const json& a) {
    std::string name = str_arg(a, "file", 256);
    std::string path = export_path(app, name);
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fail("not_found", "cannot read " + name + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || std::size_t(st.st_size) > kMaxConfigText) {
        ::close(fd);
        fail("invalid", name + " is not a regular file of at most 1 MiB");
    }
    std::string text(std::size_t(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n <= 0) break;
        got += std::size_t(n);
    }
    ::close(fd);
    text.resize(got);
    Config next;
    // All or nothing: any bad line leaves the running configuration untouched.
    if (std::string why = parse_config(text, app.running(), next); !why.empty()) fail("invalid", name + ": " + why);
    if (next.values == app.running().values) return {{"revision", app.revision()}, {"changed", false}};
    std::int64_t rev = 0;
    if (std::string why = app.commit(std::move(next), s, "import configuration " + name, &rev); !why.empty())
        fail("apply_failed", why);
    return {{"revision", rev}, {"changed", true}};
}

// ---- audit ------------------------------------------------------------------

json audit_show(App& app, Session&, const json& a) {
    int n = a.contains("last") ? int(int_arg(a, "last", 1, 10000)) : 50;
    std::vector<std::vector<std::string>> rows = {{"Time (UTC)", "User", "Source", "Session", "Mode", "Result", "Command"}};
    json list = json::array();
    for (const auto& r : app.store().audit_tail(n)) {
        rows.push_back({iso_utc(r.time), clip(r.user, 16), clip(r.source, 24), r.session, r.mode,
                        clip(r.result, 40), clip(r.command, 200)});
        list.push_back({{"time", iso_utc(r.time)}, {"user", r.user}, {"source", r.source}, {"session", r.session},
                        {"mode", r.mode}, {"command", r.command}, {"result", r.result}});
    }
    return {{"text", columns(rows)}, {"data", {{"records", list}}}};
}

// ---- services ---------------------------------------------------------------

// CLI name -> supervisor children, in start order.
std::vector<std::string> children_of(const std::string& svc) {
    if (svc == "sentry") return {"sentryd"};
    if (svc == "ssh") return {"ssh"};
    if (svc == "snmp") return {"snmp", "snmp-agent"};
    fail("not_found", "unknown service '" + svc + "'");
}

std::string display_name(const std::string& child) { return child == "sentryd" ? "sentry" : child; }

std::string hms(long long s) {
    char buf[48];
    if (s >= 86400)
        std::snprintf(buf, sizeof buf, "%lldd %02lld:%02lld:%02lld", s / 86400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

// The spec's box table (cli-commands.md §3.2) plus supervisor columns. The
// packet filter is no process: MICS installs its rules itself, so its row
// comes from App (no PID; uptime since the rules went in).
json service_table(App& app, const std::vector<std::string>& only, bool filter_row = true) {
    std::vector<std::vector<std::string>> rows = {
        {"Servicename", "Enabled", "Max.Sessions", "State", "PID", "Uptime", "Restarts"}};
    json list = json::array();
    bool filter_only = only.size() == 1 && only[0] == "iptables";
    if (Supervisor* sup = app.supervisor(); sup && !filter_only) {
        for (const auto& st : sup->status()) {
            if (!only.empty() && std::find(only.begin(), only.end(), st.name) == only.end()) continue;
            bool enabled = st.state != "disabled";
            std::string max = st.name == "ssh" ? std::to_string(get_int(app.running(), "ssh.max_sessions")) : "";
            bool up = st.pid != 0;
            rows.push_back({display_name(st.name), enabled ? "yes" : "no", max, st.state,
                            up ? std::to_string(st.pid) : "", up ? hms(st.uptime_s) : "", std::to_string(st.restarts)});
            list.push_back({{"name", display_name(st.name)}, {"enabled", enabled},
                            {"max_sessions", max.empty() ? json(nullptr) : json(std::stoll(max))},
                            {"state", st.state}, {"pid", up ? json(st.pid) : json(nullptr)},
                            {"uptime_s", st.uptime_s}, {"restarts", st.restarts}});
        }
    }
    if (filter_row) {
        App::FilterStatus f = app.filter_status();
        bool up = f.state == "running";
        rows.push_back({"iptables", f.enabled ? "yes" : "no", "", f.state, "", up ? hms(f.uptime_s) : "",
                        std::to_string(f.restarts)});
        list.push_back({{"name", "iptables"}, {"enabled", f.enabled}, {"max_sessions", nullptr}, {"state", f.state},
                        {"pid", nullptr}, {"uptime_s", f.uptime_s}, {"restarts", f.restarts}});
    }
    std::vector<std::size_t> w(rows[0].size(), 0);
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    std::string border = "+";
    for (std::size_t x : w) border += std::string(x + 2, '-') + "+";
    std::string text = border + "\n";
    for (std::size_t k = 0; k < rows.size(); ++k) {
        std::string line = "|";
        for (std::size_t i = 0; i < rows[k].size(); ++i) line += " " + pad(rows[k][i], w[i]) + " |";
        text += line + "\n";
        if (k == 0) text += border + "\n";
    }
    text += border + "\n";
    if (!app.supervisor() && !filter_only) text += "% Services are not supervised (sentry-micsd --no-services)\n";
    if (filter_row && app.filter_status().state == "unmanaged")
        text += "iptables: unmanaged: $SENTRY_INTERFACES names no links, so the host's firewall is left alone\n";
    return {{"text", text}, {"data", {{"services", list}}}};
}

json service_control(App& app, Session&, const json& a) {
    std::string svc = str_arg(a, "service", 16);
    std::string action = str_arg(a, "action", 16);
    if (svc == "iptables") {
        if (action != "status" && action != "start" && action != "stop" && action != "restart")
            fail("bad_request", "action must be start, stop, restart or status");
        if (action != "status")
            if (std::string why = app.filter_control(action); !why.empty()) fail("apply_failed", why);
        return service_table(app, {"iptables"});
    }
    std::vector<std::string> kids = children_of(svc);
    Supervisor* sup = app.supervisor();
    if (action == "status") return service_table(app, kids, false);
    if (action != "start" && action != "stop" && action != "restart")
        fail("bad_request", "action must be start, stop, restart or status");
    if (!sup) fail("denied", "services are not supervised (sentry-micsd --no-services)");
    if (action != "start")  // stop and restart: dependants first (the AgentX subagent before snmpd)
        for (auto it = kids.rbegin(); it != kids.rend(); ++it) sup->stop(*it, kServiceGrace);
    if (action != "stop")
        for (const auto& k : kids)
            if (!sup->start(k)) fail("internal", "cannot start " + display_name(k) + " (see its log)");
    return service_table(app, kids, false);
}

}  // namespace

std::vector<OpDef> archive_ops() {
    return {
        {"archive.list", Who::session, 15, false, archive_list},
        {"archive.diff", Who::session, 15, false, archive_diff},
        {"config.rollback", Who::session, 15, false,
         [](App& app, Session& s, const json& a) -> json {
             std::int64_t rev = int_arg(a, "revision", 1, 2147483647);
             load_revision(app, rev);  // not_found before anything changes
             std::int64_t id = 0;
             if (std::string why = app.rollback(rev, s, &id); !why.empty()) fail("apply_failed", why);
             return {{"revision", id}};
         }},
        {"config.revert.arm", Who::session, 15, false,
         [](App& app, Session& s, const json& a) -> json {
             int minutes = int(int_arg(a, "minutes", 1, 120));
             if (std::string why = app.arm_revert(minutes, s, std::time(nullptr)); !why.empty())
                 fail("internal", why);
             s.mode = Mode::config;  // "configure terminal revert timer N" enters CONFIG mode
             return {{"pending_revert", pending_json(app)}, {"mode", mode_name(s.mode)}};
         }},
        {"config.confirm", Who::session, 15, false,
         [](App& app, Session&, const json&) -> json { return {{"confirmed", app.confirm_revert()}}; }},
        {"config.erase_startup", Who::session, 15, false,
         [](App& app, Session&, const json&) -> json {
             if (std::string why = app.erase_startup(); !why.empty()) fail("internal", why);
             return {{"erased", true}};
         }},
        {"config.export", Who::session, 15, false, config_export},
        {"config.import", Who::session, 15, false, config_import},
        {"audit.show", Who::session, 15, false, audit_show},
        {"service.status", Who::session, 1, false,
         [](App& app, Session&, const json&) { return service_table(app, {}); }},
        {"service.control", Who::session, 15, false, service_control},
    };
}

}  // namespace micsd::ops
