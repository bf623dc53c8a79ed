// NTP client: chronyd, supervised as service "ntp" and configured from the
// `ntp <server> <index>` lines and `service ntp` / `no service ntp`.
// chronyd runs with -x (never steps the host clock) unless the appliance
// image sets SENTRY_NTP_SET_CLOCK=1: a development box or CI host keeps its
// own time source.
#pragma once
#include "config_model.hpp"
#include "supervisor.hpp"

#include "mics/paths.hpp"

#include <string>

namespace micsd {

std::string ntp_dir(const mics::Paths& p);  // <state>/ntp
// chrony.conf for the configured servers (primary marked prefer).
std::string chrony_conf(const Config& c, const std::string& dir);
// Whether chronyd should run: `service ntp` is on and a server is configured.
bool ntp_enabled(const Config& c);
// Writes `conf` (from chrony_conf) as chrony.conf (0640) and readies the directory chronyd needs (owned by
// _chrony when MICS runs as root, since chronyd drops to that user). "" or why.
std::string write_chrony_conf(const std::string& conf, const mics::Paths& p);
// The supervised child; argv[0] from $SENTRY_CHRONYD (default /usr/sbin/chronyd).
ChildSpec ntp_child(const mics::Paths& p, bool enabled);

}  // namespace micsd
