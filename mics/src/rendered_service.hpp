// A supervised daemon driven by one rendered configuration file: chronyd
// (chrony.conf), rsyslogd (rsyslog.conf), and for the file alone snmpd
// (snmpd.conf, reloaded by HUP). MICS renders the whole file from the running
// configuration on every commit; this keeps the rules they share in one place:
//   * the file is written only when its text changed (most commits touch
//     none of them: no write, no fsync, no restart);
//   * a failed write keeps the text last written as the reference, so the
//     daemon keeps the file it runs on and the next apply tries again;
//   * a new text can be checked (the daemon's own validator) before a commit,
//     and a text already written is not checked again;
//   * the daemon runs only while it is needed, and a running one is restarted
//     only when the text it runs on changed (or its caller asks).
// What is specific to a daemon (its file, directory, modes, validator, when it
// is needed) stays with its applier (apply_ntp.cpp, apply_syslog.cpp).
#pragma once
#include "supervisor.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace micsd {

class RenderedService {
public:
    // Writes or checks one rendered text: "" or why.
    using Step = std::function<std::string(const std::string& conf)>;

    // service: the Supervisor's name for the daemon ("ntp", "syslog").
    explicit RenderedService(std::string service) : service_(std::move(service)) {}
    const std::string& service() const { return service_; }
    // The text last written; "" before the first write.
    const std::string& written() const { return written_; }

    // Writes conf through `write` unless it is the text last written. "" or
    // why (written() then stays as it was). *changed, when given, says whether
    // a text written earlier was replaced: the first write, before the daemon
    // ever ran on the file, is no change.
    std::string write(const std::string& conf, const Step& write, bool* changed = nullptr);
    // write() for an applier, which has no one to return why to: a failure
    // is logged as "<service>: why" and gives false.
    bool update(const std::string& conf, const Step& write, bool* changed);
    // `check`'s verdict on conf when it differs from the text last written;
    // "" for that text itself.
    std::string check(const std::string& conf, const Step& check) const;

    enum class Action { none, switched, restarted };
    // Brings the daemon in step with the configuration: started or stopped
    // (Supervisor::set_enabled) when `on` differs from whether it runs;
    // otherwise, when it runs and `restart` (its text changed and it has no
    // reload), stopped (up to grace) and started again. Says what it did.
    Action control(Supervisor& sup, bool on, bool restart,
                   std::chrono::milliseconds grace = std::chrono::seconds(5)) const;

private:
    std::string service_;
    std::string written_;
};

}  // namespace micsd
