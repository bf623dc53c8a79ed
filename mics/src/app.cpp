#include "app.hpp"

#include "acl.hpp"
#include "apply_ntp.hpp"
#include "apply_syslog.hpp"

#include "certs.hpp"
#include "files.hpp"
#include "password.hpp"
#include "sentryd_snapshot.hpp"

#include "mics/client.hpp"
#include "mics/frame.hpp"
#include "mics/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace micsd {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A first-boot credential: from the environment, else generated, printed once
// and kept 0600 in the state dir so the operator can find it again.
std::string first_boot_secret(const char* env, const std::string& file, const char* what) {
    const char* v = std::getenv(env);
    if (v && *v) return v;
    std::string pw = random_password(16);
    if (!write_file_atomic(file, pw + "\n", 0600))
        mics::log_error(std::string("cannot save the initial ") + what + " to " + file);
    std::printf("\n  Initial %s: %s\n  (saved in %s, mode 0600; set $%s to choose it)\n\n", what, pw.c_str(),
                file.c_str(), env);
    std::fflush(stdout);
    return pw;
}

}  // namespace

App::App(Options o) : opt_(std::move(o)) {}

long long App::uptime_s() const {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count();
}

std::string App::init() {
    const auto& p = opt_.paths;
    if (std::string why = parse_link_map(opt_.interfaces, links_); !why.empty()) return "SENTRY_INTERFACES: " + why;
    std::error_code ec;
    for (const auto& d : {p.state, p.db(), p.run(), p.log(), p.certs(), p.snmp(), p.keys()}) {
        fs::create_directories(d, ec);
        if (ec) return "cannot create " + d + ": " + ec.message();
    }
    ::chmod(p.keys().c_str(), 0700);
    ::chmod(p.db().c_str(), 0700);
    ::chmod(p.certs().c_str(), 0700);
    // The run dir must let an unprivileged shell reach mics.sock (socket itself is 0660).
    ::chmod(p.run().c_str(), 0755);

    std::string err;
    if (!store_.open(p.db() + "/sentry.db", &err)) return "database: " + err;

    // First boot: seed accounts, secrets and the factory configuration.
    if (!store_.account_hash("admin")) {
        std::string pw = first_boot_secret("SENTRY_ADMIN_PASSWORD", p.state + "/initial-admin-password",
                                           "admin password");
        std::string h = hash_password(pw);
        if (h.empty() || !store_.put_account("admin", h)) return "cannot store the admin account";
    }
    if (!store_.secret("enable")) {
        std::string pw = first_boot_secret("SENTRY_ENABLE_SECRET", p.state + "/initial-enable-secret",
                                           "enable secret");
        std::string h = hash_password(pw);
        if (h.empty() || !store_.put_secret("enable", h)) return "cannot store the enable secret";
    }
    if (!store_.latest_id()) {
        Config seed;
        // The dev community is documented in README.md; change it with `snmp-server community`.
        std::string community = mics::env_or("SENTRY_SNMP_COMMUNITY", "sentry-dev");
        if (std::string why = apply_edit(seed, "snmp.community", "set", Value(community)); !why.empty())
            return "SENTRY_SNMP_COMMUNITY: " + why;
        // The first-boot admin is a configured user, the account of last resort
        // (docs/accounts.md): `username admin secret hash ...` in running-config.
        if (auto h = store_.account_hash("admin"))
            apply_edit(seed, std::string(accounts::kSecret) + "[admin]", "set", Value(*h));
        auto id = store_.commit(to_json(seed), {"system", "local", "", "factory configuration"});
        if (!id || !store_.set_startup(id)) return "cannot store the factory configuration";
    }

    // Boot loads startup-config: changes that were never saved are gone, as on a
    // real device, but stay in the revision history.
    // No startup pointer ("erase startup-config") boots the factory configuration
    // and leaves startup-config absent until the next `write memory`, as on IOS.
    auto startup = store_.startup_id();
    auto latest = store_.latest_id();
    auto boot = startup ? store_.revision(*startup) : factory_revision();
    if (!boot) return "startup configuration revision is missing";
    if (!from_json(boot->config, running_, &err)) return "startup configuration is invalid: " + err;
    if (latest && *latest != boot->id) {
        std::string what = startup ? "boot: load startup-config (revision " + std::to_string(boot->id) + ")"
                                   : "boot: factory configuration (startup-config erased)";
        revision_ = store_.commit(boot->config, {"system", "local", "", what});
        if (startup) store_.set_startup(revision_);
    } else {
        revision_ = boot->id;
    }
    booted_ = running_;
    shadow_ = running_;
    // A confirm-or-revert timer survives a restart: fire it now if it is overdue.
    revert_ = store_.pending_revert();
    check_revert(std::int64_t(std::time(nullptr)));

    // Links and routes follow the boot configuration. A failure is logged, not
    // fatal: the box must come up so an admin can fix the configuration.
    if (std::string why = apply_network(Config{}, running_, links_, true, [](const Command& c) { return run_argv(c); });
        !why.empty())
        mics::log_error("network: " + why);
    filter_boot();

    std::string hostname = get_string(running_, "system.hostname");
    if (std::string why = ensure_self_signed(p.certs() + "/sentry.crt", p.certs() + "/sentry.key", hostname);
        !why.empty())
        return "TLS certificate: " + why;
    if (std::string why = write_snmpd_conf(); !why.empty()) return why;
    // Every 5 minutes (the reference's statistics interval) and the guide's
    // 30-minute alert check; the environment shortens both for tests.
    auto seconds = [](const char* env, long def) {
        const char* v = std::getenv(env);
        char* end = nullptr;
        long n = v && *v ? std::strtol(v, &end, 10) : def;
        return std::chrono::seconds(v && *v && *end == '\0' && n >= 1 && n <= 86400 ? n : def);
    };
    health_.emplace(p.log() + "/mihealth_export", seconds("SENTRY_HEALTH_INTERVAL", 300),
                    seconds("SENTRY_ALERT_INTERVAL", 1800));
    return {};
}

void App::register_services(Supervisor& sup) {
    sup_ = &sup;
    const auto& p = opt_.paths;
    const std::string& bin = opt_.bin_dir;
    auto addr = [&](int port) { return opt_.bind + ":" + std::to_string(port); };
    sup.add({"sentryd",
             {bin + "/daemon/sentryd", "--listen", addr(opt_.https_port), "--cert", p.certs() + "/sentry.crt",
              "--key", p.certs() + "/sentry.key", "--control", p.sentryd_sock()},
             {},
             p.log() + "/sentryd.log",
             p.run() + "/sentryd.pid"});
    sup.add({"ssh",
             sshd_argv(),
             {},
             p.log() + "/sentry-sshd.log",
             p.run() + "/sentry-sshd.pid"});
    // net-snmp's master agent, with our config only (-C: never /etc/snmp).
    // -I -smux: without it snmpd also listens for SMUX peers on TCP 199 on
    // every address, a second, unneeded service (our subagent uses AgentX).
    sup.add({"snmp",
             {"/usr/sbin/snmpd", "-f", "-Lo", "-C", "-I", "-smux", "-c", p.snmp() + "/snmpd.conf", "-p",
              p.run() + "/snmpd.pid"},
             {"SNMP_PERSISTENT_DIR=" + p.snmp() + "/persist", "MIBS="},
             p.log() + "/snmpd.log",
             p.run() + "/snmpd.pid",  // snmpd writes the same pid there itself (-p)
             {p.agentx_sock()}});  // snmpd leaves its AgentX socket behind
    sup.add({"snmp-agent",
             {bin + "/snmp/sentry-snmp-agent", "--agentx", p.agentx_sock(), "--mics", p.mics_sock()},
             {},
             p.log() + "/sentry-snmp-agent.log",
             p.run() + "/sentry-snmp-agent.pid"});
    sup.add(ntp_child(p, ntp_enabled(running_)));
    apply_ntp(false);  // chrony.conf before the first start
    sup.add(syslog_child(p, syslog_enabled(running_) && rsyslogd_installed()));
    apply_syslog(false);  // rsyslog.conf before the first start
    sup.on_started = [this](const std::string& n) { on_service_started(n); };
    // Our services mention the state dir in their argv; the supervisor uses it to
    // tell a service left running by an earlier MICS from an unrelated process.
    sup.set_owner_marker(p.state);
    // An adopted snmpd loaded its config before this boot, which may have dropped
    // unsaved changes; HUP makes it re-read the snmpd.conf init() just wrote.
    sup.on_adopted = [this, &sup](const std::string& n) {
        if (n == "snmp") sup.signal("snmp", SIGHUP);
        // rsyslogd has no reload: it is restarted, outside the supervisor's loop.
        if (n == "syslog") syslog_restart_ = true;
    };
}

int App::ssh_port(const Config& c) const {
    long long p = get_int(c, "ssh.port");
    return p > 0 ? int(p) : opt_.ssh_port;
}

std::vector<std::string> App::sshd_argv() const {
    const auto& p = opt_.paths;
    std::vector<std::string> argv = {opt_.bin_dir + "/cli/sshd/sentry-sshd",
                                     "--listen", opt_.bind + ":" + std::to_string(ssh_port(running_)),
                                     "--keys", p.keys(),
                                     "--mics", p.mics_sock(),
                                     "--cli", opt_.bin_dir + "/cli/sentry-cli"};
    // Like every service, sentry-sshd takes fips from the last boot or reload.
    if (std::get<bool>(get(booted_, "system.fips"))) argv.push_back("--fips");
    return argv;
}

void App::apply_sshd(bool restart) {
    if (!sup_) return;
    std::vector<std::string> want = sshd_argv();
    const auto* have = sup_->argv("ssh");
    if (!have || *have == want) return;
    sup_->set_argv("ssh", want);
    if (!restart) return;
    mics::log_info("SSH moves to " + want[2] + "; restarting sentry-sshd (open sessions stay)");
    sup_->restart("ssh", SIGUSR1, std::chrono::seconds(5));
}

// "" when sentry-sshd can move to port: not sentryd's port, and free now
// (checked by binding it here, with MICS's own rights, which sentry-sshd
// shares). A refused port leaves the configuration and SSH as they were.
std::string App::check_ssh_port(int port) const {
    const std::string what = "ip ssh port " + std::to_string(port) + ": ";
    if (port == opt_.https_port) return what + "that is the ActiveSync proxy's port";
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (::getaddrinfo(opt_.bind.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
        return what + "cannot resolve the listen address " + opt_.bind;
    std::string why;
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) why = std::string("socket: ") + std::strerror(errno);
    else if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
             ::bind(fd, res->ai_addr, res->ai_addrlen) != 0)
        why = errno == EADDRINUSE ? std::string("the port is in use")
                                  : std::string("cannot listen on it: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::freeaddrinfo(res);
    return why.empty() ? why : what + why;
}

void App::on_service_started(const std::string& name) {
    if (name == "sentryd") sentryd_pending_ = true;
}

void App::tick() {
    if (sentryd_pending_ && push_sentryd()) sentryd_pending_ = false;
    // Every loop turn (each request too): the config lookup only when due.
    if (health_ && health_->due())
        health_->tick(std::get<bool>(get(running_, "sentry.health_monitor")), sup_ ? sup_->pid("sentryd") : 0);
    if (syslog_restart_) apply_syslog();
    check_revert(std::int64_t(std::time(nullptr)));
}

std::string App::write_snmpd_conf(bool* changed) {
    const auto& p = opt_.paths;
    std::error_code ec;
    fs::create_directories(p.snmp() + "/persist", ec);
    std::string community = get_string(running_, "snmp.community");
    std::string conf;
    conf += "# Generated by sentry-micsd from the running configuration; edits are overwritten.\n";
    conf += "agentaddress udp:" + opt_.bind + ":" + std::to_string(opt_.snmp_port) + "\n";
    conf += "master agentx\n";
    conf += "agentXSocket unix:" + p.agentx_sock() + "\n";
    conf += "agentXPerms 0660 0755\n";
    conf += "sysName " + get_string(running_, "system.hostname") + "\n";
    conf += "sysDescr Sentry Secure Gateway\n";
    conf += "sysServices 72\n";
    if (!community.empty()) conf += "rocommunity " + community + " default\n";
    // Most commits do not touch it: no write, no fsync, no HUP then.
    // 0640: the community is a credential.
    return snmpd_.write(
        conf,
        [&](const std::string& c) {
            return write_file_atomic(p.snmp() + "/snmpd.conf", c, 0640) ? std::string() : "cannot write snmpd.conf";
        },
        changed);
}

App::Offer App::offer_sentryd(const Config& c, std::int64_t version, std::string* reason) {
    std::string args = sentryd_apply_args(c, version, reason);
    if (args.empty()) return Offer::refused;  // MICS's own cross-field checks
    mics::Client client;
    if (!client.connect(opt_.paths.sentryd_sock())) return Offer::down;
    mics::Reply r = client.call("config.apply", args, 2000);
    if (r.ok) return Offer::applied;
    if (r.code == "transport") return Offer::down;
    // "version: N is not newer ...": sentryd already has this revision (pushed twice).
    if (r.message.rfind("version", 0) == 0) return Offer::applied;
    if (reason) *reason = r.message;
    return Offer::refused;
}

bool App::push_sentryd() {
    std::string why;
    Offer o = offer_sentryd(running_, revision_, &why);
    if (o == Offer::refused)
        mics::log_warn("sentryd refused configuration " + std::to_string(revision_) + ": " + why);
    if (o != Offer::down) {
        mics::Client client;
        if (client.connect(opt_.paths.sentryd_sock())) {
            if (debug_log_.empty()) {
                // First contact since MICS started. If it adopted a running
                // sentryd, that one holds the administrator's `debug sentry
                // log` settings: keep a copy, or a later restart of sentryd
                // would lose them. (A fresh sentryd answers the defaults.)
                mics::Reply r = client.call("log.get", "{}", 2000);
                if (r.ok && !r.data.empty() && r.data.front() == '{') debug_log_ = r.data;
            } else {
                // A restarted sentryd starts with debug logging off; the
                // settings outlive it (not a reboot).
                mics::Reply r = client.call("log.set", debug_log_, 2000);
                if (!r.ok) mics::log_warn("sentryd refused the debug log settings: " + r.message);
            }
        }
    }
    return o != Offer::down;
}

void App::apply_all() {
    bool snmpd_changed = false;
    if (std::string why = write_snmpd_conf(&snmpd_changed); !why.empty()) mics::log_error(why);
    if (sup_ && snmpd_changed) {
        sup_->signal("snmp", SIGHUP);  // snmpd re-reads its config on HUP; pidfd when adopted
    }
    apply_ntp();
    apply_syslog();
    apply_sshd(true);
}

std::string App::commit(Config next, const Session& s, const std::string& line, std::int64_t* rev) {
    std::vector<std::string> changed = changed_paths(running_, next);
    return commit_candidate(next, changed, s, line, rev, [&] {
        running_.values.swap(next.values);
        shadow_ = running_;  // whole-configuration commits (import, rollback, reload) are the rare ones
    });
}

std::string App::commit_edits(const std::vector<Edit>& edits, const Session& s, const std::string& line,
                              std::int64_t* rev, bool* invalid) {
    // shadow_ equals running_ between commits and becomes the candidate in
    // place: no copy of the configuration, and the undo log puts it back.
    std::vector<std::pair<std::string, std::optional<Value>>> undo;
    auto restore = [&] {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            if (it->second) shadow_.values[it->first] = *it->second;
            else shadow_.values.erase(it->first);
        }
    };
    for (const auto& e : edits) {
        auto old = shadow_.values.find(e.path);
        undo.emplace_back(e.path, old == shadow_.values.end() ? std::nullopt : std::optional<Value>(old->second));
        if (std::string why = apply_edit(shadow_, e.path, e.op, e.value); !why.empty()) {
            restore();
            if (invalid) *invalid = true;
            return why;
        }
    }
    std::vector<std::string> changed;
    for (const auto& [path, before] : undo) {
        auto now = shadow_.values.find(path);
        auto was = running_.values.find(path);
        bool same = (now == shadow_.values.end()) == (was == running_.values.end()) &&
                    (now == shadow_.values.end() || now->second == was->second);
        if (!same) changed.push_back(path);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    if (rev) *rev = 0;
    if (changed.empty()) return {};
    std::string why = commit_candidate(shadow_, changed, s, line, rev, [&] {
        for (const auto& p : changed) {
            auto it = shadow_.values.find(p);
            if (it == shadow_.values.end()) running_.values.erase(p);
            else running_.values[p] = it->second;
        }
    });
    if (!why.empty()) restore();
    return why;
}

std::string App::commit_candidate(const Config& next, const std::vector<std::string>& changed, const Session& s,
                                  const std::string& line, std::int64_t* rev, const std::function<void()>& install) {
    // running_ is valid, so checking what changed gives validate(next)'s
    // verdict at a cost that does not grow with the configuration.
    if (std::string why = validate_change(running_, next, changed); !why.empty()) return why;
    if (std::string why = accounts::check_commit(running_, next, s.user); !why.empty()) return why;
    if (std::string why = check_syslog(next, changed); !why.empty()) return why;
    if (int port = ssh_port(next); sup_ && port != ssh_port(running_))
        if (std::string why = check_ssh_port(port); !why.empty()) return why;
    bool acl_touched = std::any_of(changed.begin(), changed.end(), [](const std::string& p) {
        return p.rfind("acl.", 0) == 0 || p == "service.iptables";
    });
    // An ACL change, a new interface address (the lists match it as the
    // destination) or a new SSH port can shut out the administrator making it.
    if (std::string why = acl::check_lockout(next, s.source, ssh_port(next), changed); !why.empty()) return why;
    // sentryd can refuse a snapshot, so it gets it before the revision is
    // stored, under the id the store will give it (ids only grow): a refusal
    // leaves nothing committed and its reason goes back to the shell. Not
    // running is no refusal: sentryd pulls the configuration when it starts.
    std::int64_t latest = store_.latest_id().value_or(0);
    std::int64_t expect = latest + 1;
    std::string refused;
    Offer offered = offer_sentryd(next, expect, &refused);
    if (offered == Offer::refused) return "sentryd refused the configuration: " + refused;
    // From here on a failure leaves sentryd ahead of the store with a revision
    // id the next commit reuses; a restart makes it take the running one.
    struct SentrydAhead {
        App& app;
        bool armed;
        ~SentrydAhead() {
            if (armed) app.restart_sentryd();
        }
    } ahead{*this, offered == Offer::applied};
    // The packet filter and the network applier run before the revision is
    // stored and undo their own work, so a refused change leaves rules,
    // links, routes and the revision history as they were. `service iptables
    // enable` / `no service iptables` start or stop the filter; other changes
    // keep its state (a `service iptables stop` holds until start or boot).
    bool filter_was = filter_.running;
    bool switch_prev = std::get<bool>(get(running_, "service.iptables"));
    bool switch_next = std::get<bool>(get(next, "service.iptables"));
    bool filter_want = switch_prev != switch_next ? switch_next : filter_was;
    // Only changes that reach a bound list re-install the ruleset; an edit to
    // a list bound nowhere leaves iptables alone.
    bool filter_touched = acl_touched && (filter_want || filter_was) &&
                          (filter_want != filter_was || acl::touches_bound(next, changed) ||
                           acl::touches_bound(running_, changed));
    if (filter_touched)
        if (std::string why = filter_apply(next, filter_want); !why.empty()) return "packet filter: " + why;
    if (std::string why = apply_network(running_, next, links_, false, [](const Command& c) { return run_argv(c); });
        !why.empty()) {
        if (filter_touched) filter_apply(running_, filter_was);
        return why;
    }
    // Only the change is written (a full snapshot every Store::kMaxDeltaChain
    // revisions): a single edit of a large configuration stays a small write.
    RevisionMeta meta{s.user, s.source, s.id, line};
    std::int64_t id = latest == revision_
                          ? store_.commit_change(revision_, delta_json(next, changed), [&] { return to_json(next); }, meta)
                          : store_.commit(to_json(next), meta);
    if (!id) return "cannot store the revision: " + store_.last_error();
    ahead.armed = false;
    install();
    revision_ = id;
    if (rev) *rev = id;
    apply_all();
    if (offered == Offer::down || id != expect) sentryd_pending_ = true;  // (again) as revision id
    return {};
}

void App::restart_sentryd() {
    mics::log_error("sentryd holds a snapshot that was not committed; restarting it");
    if (!sup_) return;
    sup_->stop("sentryd", std::chrono::seconds(5));
    sup_->start("sentryd");  // on_started: the running revision is pushed again
}

}  // namespace micsd
