// Remote syslog forwarding (docs/logging.md): rsyslogd, supervised as service
// "syslog", reads every daemon's records from run/log.sock (mics/syslog.hpp)
// and forwards them to the `syslog` destinations of the running
// configuration. MICS renders its whole configuration (var/syslog/rsyslog.conf);
// nothing of the host's rsyslog (/etc/rsyslog.conf, /dev/log, systemd) is used.
// rsyslogd runs only while at least one destination is enabled: with none,
// records are dropped at the sender (and counted) instead of being collected
// for nobody.
#pragma once
#include "config_model.hpp"
#include "supervisor.hpp"

#include "mics/paths.hpp"

#include <string>

namespace micsd {

std::string syslog_dir(const mics::Paths& p);  // <state>/syslog
// rsyslogd's path: $SENTRY_RSYSLOGD, else /usr/sbin/rsyslogd.
std::string rsyslogd_path();
bool rsyslogd_installed();
// Whether rsyslogd should run: some destination is enabled.
bool syslog_enabled(const Config& c);

struct RsyslogOptions {
    std::string dir;        // work directory and the file's home (syslog_dir)
    std::string socket;     // imuxsock input (Paths::log_sock)
    std::string drop_user;  // privDrop user when MICS runs as root ("" = none)
    std::string drop_group;
};
// rsyslog.conf for configuration c: the socket input, then one omfwd action
// per enabled destination, filtered by facility number and minimum severity.
std::string rsyslog_conf(const Config& c, const RsyslogOptions& o);
RsyslogOptions rsyslog_options(const mics::Paths& p);

// rsyslog's own check of a rendered file (`rsyslogd -N1 -f`): "" or why, with
// rsyslog's message; says so plainly when rsyslogd is not installed.
std::string check_rsyslog_conf(const std::string& conf, const mics::Paths& p);
// Writes rsyslog.conf atomically (0640) and readies the directory. "" or why.
std::string write_rsyslog_conf(const std::string& conf, const mics::Paths& p);

ChildSpec syslog_child(const mics::Paths& p, bool enabled);

}  // namespace micsd
