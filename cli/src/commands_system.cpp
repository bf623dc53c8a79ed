// Base-system configuration: hostname, CLI timeout, SSH sessions, SNMP community, saving.
#include "command_util.hpp"

namespace cli {

namespace {

int do_hostname(Shell& sh, const Args& a) {
    int rc = a.has("no") ? config_edit(sh, "system.hostname", "delete")
                         : config_edit(sh, "system.hostname", "set", a.str("name"));
    if (rc == kOk) sh.refresh();  // the prompt carries the host name
    return rc;
}

int do_write(Shell& sh, const Args&) {
    mics::Reply r = sh.call("config.save");
    if (!r.ok) return sh.fail(r);
    sh.print("Building configuration...\n[OK]\n");
    return kOk;
}

}  // namespace

void register_system_commands(Grammar& g) {
    const std::string no = kNoHelp;
    g.add({"hostname HOSTNAME$name", "Set the appliance host name\nHost name or FQDN\n", kConfig, 15, do_hostname,
           false, "Set the host name shown in the prompt, sysName and the TLS certificate."});
    g.add({"no hostname [HOSTNAME$name]", no + "Set the appliance host name\nHost name or FQDN\n", kConfig, 15,
           do_hostname, false, "Restore the factory host name (sentry)."});
    g.add({"timeout (0-35791)$minutes", "Set the CLI idle session timeout\nMinutes (0 = never)\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "system.cli.timeout", "set", a.num("minutes")); },
           false, "Close an idle CLI session after this many minutes (default 10)."});
    g.add({"no timeout", no + "Set the CLI idle session timeout\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "system.cli.timeout", "delete"); }, false,
           "Restore the default CLI idle timeout (10 minutes)."});
    g.add({"service ssh (1-10)$max",
           "Configure a system service\nSSH access to the CLI\nMaximum concurrent SSH sessions\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "ssh.max_sessions", "set", a.num("max")); }, false,
           "Set the maximum number of concurrent SSH sessions (default 5)."});
    g.add({"snmp-server community PASSWORD$community ro",  // a credential: masked in the audit trail
           "Configure the SNMP agent\nSNMP v2c community\nCommunity string\nRead-only access\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "snmp.community", "set", a.str("community")); },
           false, "Set the SNMP v2c read-only community."});
    g.add({"no snmp-server community [WORD$community] [ro]",
           no + "Configure the SNMP agent\nSNMP v2c community\nCommunity string\nRead-only access\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "snmp.community", "delete"); }, false,
           "Remove the SNMP v2c community (v2c access off)."});
    g.add({"write [memory]", "Save the running configuration\nTo the startup configuration\n", kExec, 15, do_write,
           false, "Save the running configuration as the startup configuration."});
    g.add({"copy running-config startup-config",
           "Copy a configuration\nThe running configuration\nThe startup configuration\n", kExec, 15, do_write,
           false, "Same as 'write memory'."});
}

}  // namespace cli
