// Records for the appliance's log collector. Every daemon sends syslog
// datagrams to run/log.sock, where the supervised rsyslogd (the syslog
// applier in MICS) reads them and forwards them to the `syslog` servers of
// the configuration by facility. The three facilities are the reference
// product's: general (operational messages), health-monitor (back-end and
// utilization events) and audit (configuration changes, logins, one record
// per device request).
//
// Sending never blocks and never fails the caller: while no collector is
// listening (rsyslog stopped, socket missing, queue full) records are
// dropped and counted. Thread-safe (one datagram per record).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace mics {

enum class LogFacility { general, health_monitor, audit };

// RFC 5424 severities (0 = emerg .. 7 = debug).
enum class Severity { emerg = 0, alert, crit, err, warning, notice, info, debug };

// The syslog facility number a LogFacility is sent with (one place decides).
int syslog_facility_code(LogFacility f);

// Where records go; "" disables sending. log_init() sets it to
// $SENTRY_STATE_DIR/run/log.sock, so most programs never call this.
void syslog_target(std::string socket_path);

// One record: `tag` is the syslog tag (program or record kind, e.g.
// SENTRY_AUDIT), `msg` one line (control characters become spaces; longer
// than kSyslogMaxMessage is cut). Returns false when it was dropped.
bool syslog_send(LogFacility f, Severity s, std::string_view tag, std::string_view msg);

// Records dropped since start (no collector, socket full).
std::uint64_t syslog_dropped();

// Renders the datagram syslog_send() writes (RFC 3164 form, as local
// syslog sockets expect). Exposed for tests.
std::string syslog_format(LogFacility f, Severity s, std::string_view tag, int pid,
                          std::string_view msg, long long unix_time);

inline constexpr std::size_t kSyslogMaxMessage = 8000;

}  // namespace mics
