#include "options.hpp"

#include "snapshot.hpp"

#include "mics/version.hpp"

namespace sentry::snmp {

ParseResult parse_args(const std::vector<std::string>& args, const std::string& state_dir) {
    ParseResult r;
    r.opts.state_dir = state_dir;
    r.opts.agentx_socket = state_dir + "/run/agentx.sock";
    r.opts.mics_socket = state_dir + "/run/mics.sock";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        // Accept both "--flag value" and "--flag=value".
        auto value = [&](const std::string& flag, std::string& out) -> bool {
            if (a == flag) {
                if (i + 1 >= args.size() || args[i + 1].empty()) {
                    r.error = flag + " needs a value";
                    return true;
                }
                out = args[++i];
                return true;
            }
            if (a.rfind(flag + "=", 0) == 0) {
                out = a.substr(flag.size() + 1);
                if (out.empty()) r.error = flag + " needs a value";
                return true;
            }
            return false;
        };
        if (value("--agentx", r.opts.agentx_socket) || value("--mics", r.opts.mics_socket)) {
            if (!r.error.empty()) return r;
        } else if (a == "--help" || a == "-h") {
            r.opts.show_help = true;
        } else if (a == "--version" || a == "-V") {
            r.opts.show_version = true;
        } else if (a == "--check-config") {
            r.opts.check_config = true;
        } else {
            r.error = "unknown argument: " + a;
            return r;
        }
    }
    return r;
}

std::string usage(const std::string& prog) {
    return "Usage: " + prog +
           " [--agentx PATH] [--mics PATH] [--check-config] [--version] [--help]\n"
           "\n"
           "AgentX subagent serving SENTRY-APPLIANCE-MIB through the snmpd master agent.\n"
           "\n"
           "  --agentx PATH    AgentX master socket (default $SENTRY_STATE_DIR/run/agentx.sock)\n"
           "  --mics PATH      MICS socket (default $SENTRY_STATE_DIR/run/mics.sock)\n"
           "  --check-config   validate flags and environment, then exit 0 or 1\n"
           "  --version        print the version and exit\n"
           "  --help           print this help and exit\n";
}

std::string version_text() {
    return std::string("sentry-snmp-agent ") + format_version(mics::kVersion, mics::kGitDescribe) +
           ", built " + mics::kBuildDate + "\n";
}

}  // namespace sentry::snmp
