// MICS application state: the running config, the store, the services and
// their appliers. The socket server (server.cpp) calls dispatch() per frame.
#pragma once
#include "apply_network.hpp"
#include "accounts.hpp"
#include "config_model.hpp"
#include "health_export.hpp"
#include "rendered_service.hpp"
#include "session.hpp"
#include "store.hpp"
#include "supervisor.hpp"

#include "mics/paths.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace micsd {

struct Options {
    mics::Paths paths;
    std::string bind = "127.0.0.1";
    int ssh_port = 2222, https_port = 4443, snmp_port = 1161;
    std::string bin_dir;       // where sentryd, sentry-sshd, ... live
    bool start_services = true;
    // GigabitEthernet N -> Linux link ("1=eth0,2=eth1"; $SENTRY_INTERFACES).
    // Empty: MICS models interfaces and routes but leaves the host's links alone.
    std::string interfaces;
};

class App {
public:
    explicit App(Options o);

    // Creates the state dir layout, opens the store, first-boot seeding,
    // loads startup config. Returns "" or why it cannot start.
    std::string init();
    void register_services(Supervisor& sup);

    // Frame in, frame out. Never throws.
    std::string dispatch(Session& s, const std::string& frame);

    // Retries pushes that failed because a service was not up yet.
    void tick();
    void on_service_started(const std::string& name);

    const Config& running() const { return running_; }
    std::int64_t revision() const { return revision_; }
    Store& store() { return store_; }
    // Logged-in sessions (`show users`, `clear line`); the server removes a
    // session's line when its connection closes.
    accounts::Lines& lines() { return lines_; }
    const Options& options() const { return opt_; }
    long long uptime_s() const;

    // Validates, stores a revision, swaps it in and runs the appliers: a whole
    // configuration (import, rollback, reload). "" or why.
    std::string commit(Config next, const Session& s, const std::string& line, std::int64_t* rev);
    // The same for edits of the running configuration (config.edit), at a
    // cost that follows the edits, not the size of the configuration. An edit
    // the model refuses sets *invalid; *rev = 0 when nothing changed.
    struct Edit {
        std::string path, op;
        std::optional<Value> value;
    };
    std::string commit_edits(const std::vector<Edit>& edits, const Session& s, const std::string& line,
                             std::int64_t* rev, bool* invalid);

    // ---- archive (app_archive.cpp) ------------------------------------------
    Supervisor* supervisor() { return sup_; }
    // Commits revision `rev`'s snapshot as a NEW revision ("rollback to revision N").
    // "" or why (the revision must exist: check with store().revision first).
    std::string rollback(std::int64_t rev, const Session& s, std::int64_t* new_rev);
    // Confirm-or-revert: unless confirm_revert() is called before now + minutes,
    // the revision running now is committed again. Re-arming while one is pending
    // keeps the original target and moves the deadline. Persisted in the store.
    std::string arm_revert(int minutes, const Session& s, std::int64_t now);
    bool confirm_revert();  // true when a revert was pending
    // Fires the pending revert once its deadline passed (tick() and init() call it
    // with the wall clock; tests pass their own time).
    void check_revert(std::int64_t now);
    const std::optional<PendingRevert>& pending_revert() const { return revert_; }
    // "erase startup-config": the next boot loads the factory configuration.
    std::string erase_startup();

    // The configuration loaded by the last boot or reload: settings that take
    // effect only then (fips) compare against it. reload (ops_system.cpp) sets it.
    const Config& booted() const { return booted_; }
    void set_booted(const Config& c) { booted_ = c; }

    // ---- SSH listener (app.cpp) ---------------------------------------------
    // The port sentry-sshd listens on for configuration c: `ip ssh port`, else
    // the port given at start.
    int ssh_port(const Config& c) const;
    // sentry-sshd's argv: the running port, --fips when fips is in effect (booted).
    std::vector<std::string> sshd_argv() const;
    // Gives the supervisor the current argv; with restart, a changed argv
    // restarts sentry-sshd with SIGUSR1 (its sessions stay: handover.hpp).
    void apply_sshd(bool restart);
    std::string check_ssh_port(int port) const;

    // ---- packet filter: ACLs as iptables rules (apply_iptables.cpp) ---------
    struct FilterStatus {
        bool enabled = true;      // `service iptables enable`: started at boot
        std::string state;        // running, stopped, disabled, unmanaged (no link map)
        long long uptime_s = 0;   // since the rules were installed
        int restarts = 0;         // `service iptables restart`s since MICS started
    };
    FilterStatus filter_status() const;
    // `service iptables {start|stop|restart}` (volatile: boot follows the
    // configuration). "" or why.
    std::string filter_control(const std::string& action);

    // `debug sentry log ...` state as sentryd last reported it (JSON text;
    // "" = never set). Runtime only: not stored, gone when MICS restarts;
    // pushed to sentryd again whenever the supervisor (re)starts it.
    void remember_debug_log(std::string state) { debug_log_ = std::move(state); }

private:
    std::optional<Revision> factory_revision() const;
    // The commit pipeline for candidate `next` (differs from running_ at
    // `changed`); install() makes it running once the revision is stored.
    std::string commit_candidate(const Config& next, const std::vector<std::string>& changed, const Session& s,
                                 const std::string& line, std::int64_t* rev, const std::function<void()>& install);

    void apply_all();
    bool push_sentryd();  // the running revision; false while sentryd is not running
    // One config.apply of `c` as revision `version` (docs/sentryd-config.md).
    enum class Offer { applied, down, refused };
    Offer offer_sentryd(const Config& c, std::int64_t version, std::string* reason);
    void restart_sentryd();
    // snmpd.conf from the running configuration, written only when its text
    // changed (*changed set then; init() writes the first). "" or why.
    std::string write_snmpd_conf(bool* changed = nullptr);
    RenderedService snmpd_{"snmp"};  // snmpd.conf last written; snmpd reloads it on HUP
    // chrony.conf + `service ntp` -> the supervised chronyd (apply_ntp.cpp).
    // control=false only writes the file (before the supervisor's first start,
    // which may adopt a chronyd left by an earlier MICS).
    void apply_ntp(bool control = true);
    RenderedService ntp_{"ntp"};  // chrony.conf last written, to restart chronyd only on a change
    // rsyslog.conf -> the supervised rsyslogd (apply_syslog.cpp); like apply_ntp.
    void apply_syslog(bool control = true);
    // rsyslog's own check of the file a commit would write, when its
    // destinations changed: "" or why (the commit is then refused).
    std::string check_syslog(const Config& next, const std::vector<std::string>& changed) const;
    RenderedService syslog_{"syslog"};  // rsyslog.conf last written
    // An adopted rsyslogd runs a file read before this boot: restart it (tick()).
    bool syslog_restart_ = false;
    // Installs (on) or removes our iptables chains; no-op without a link map.
    std::string filter_apply(const Config& c, bool on);
    void filter_boot();
    struct {
        bool running = false;  // our chains are installed
        std::chrono::steady_clock::time_point since{};
        int restarts = 0;
    } filter_;

    Options opt_;
    LinkMap links_;
    Store store_;
    Config running_;
    Config shadow_;  // == running_ between commits; commit_edits' candidate
    accounts::Lines lines_;
    Config booted_;
    std::int64_t revision_ = 0;
    Supervisor* sup_ = nullptr;
    bool sentryd_pending_ = false;
    std::string debug_log_;
    // Health-monitor logs and utilization alerts (health_export.hpp); set by init().
    std::optional<HealthMonitor> health_;
    std::optional<PendingRevert> revert_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace micsd
