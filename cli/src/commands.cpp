// Command rows. Each handler builds one MICS request from named arguments
// and prints the result; authority stays in MICS.
#include "commands.hpp"

#include "shell.hpp"

#include <nlohmann/json.hpp>

namespace cli {

using nlohmann::json;

namespace {

// Shared help for keywords that start many commands (one wording everywhere).
#define SHOW_STR "Show running system information\n"
#define NO_STR "Negate a command or set its defaults\n"

int config_edit(Shell& sh, const std::string& path, const std::string& op, const json& value = nullptr) {
    json e = {{"path", path}, {"op", op}};
    if (!value.is_null()) e["value"] = value;
    mics::Reply r = sh.call("config.edit", json{{"edits", json::array({e})}}.dump());
    if (!r.ok) return sh.fail(r);
    return kOk;
}

int show(Shell& sh, const json& args) {
    mics::Reply r = sh.call("show", args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

int do_enable(Shell& sh, const Args&) {
    if (sh.privilege() >= 15) return kOk;
    // Three tries, as IOS allows, then back to the prompt.
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::string secret = sh.read_secret("Password: ");
        mics::Reply r = sh.call("session.enable", json{{"secret", secret}}.dump());
        if (r.ok) {
            sh.refresh();
            return kOk;
        }
        if (r.code != "auth_failed") return sh.fail(r);
        if (!sh.options().interactive) break;
    }
    return sh.error("Access denied");
}

int do_disable(Shell& sh, const Args&) {
    mics::Reply r = sh.call("session.disable");
    if (!r.ok) return sh.fail(r);
    sh.set_mode(kExec);
    sh.refresh();
    return kOk;
}

int do_configure(Shell& sh, const Args&) {
    mics::Reply r = sh.call("session.mode", json{{"mode", "config"}}.dump());
    if (!r.ok) return sh.fail(r);
    sh.set_mode(kConfig);
    return kOk;
}

int do_end(Shell& sh, const Args&) {
    mics::Reply r = sh.call("session.mode", json{{"mode", "exec"}}.dump());
    if (!r.ok) return sh.fail(r);
    sh.set_mode(kExec);
    return kOk;
}

int do_exit(Shell& sh, const Args& a) {
    if (sh.mode() == kConfig) return do_end(sh, a);
    sh.request_exit();
    return kOk;
}

int do_hostname(Shell& sh, const Args& a) {
    int rc = a.has("no") ? config_edit(sh, "system.hostname", "delete")
                         : config_edit(sh, "system.hostname", "set", a.str("name"));
    if (rc == kOk) sh.refresh();  // the prompt carries the host name
    return rc;
}

int do_do(Shell& sh, const Args& a) {
    // "do" runs an EXEC/PRIVILEGED command without leaving configuration mode.
    Mode saved = sh.mode();
    sh.set_mode(kExec);
    std::string line = a.str("command");
    int rc;
    if (grammar().parse(line, kExec, sh.privilege()).cmd == grammar().parse("configure terminal", kExec, 15).cmd &&
        !line.empty()) {
        rc = sh.error("Already in configuration mode");
    } else {
        rc = sh.execute(line, sh.prompt().size() + 3);
    }
    if (!sh.exiting()) sh.set_mode(saved);
    return rc;
}

int do_write(Shell& sh, const Args&) {
    mics::Reply r = sh.call("config.save");
    if (!r.ok) return sh.fail(r);
    sh.print("Building configuration...\n[OK]\n");
    return kOk;
}

}  // namespace

const Grammar& grammar() {
    static const Grammar g = [] {
        Grammar g;
        g.add({"enable", "Turn on privileged commands\n", kExec, 1, do_enable, false,
               "Enter PRIVILEGED mode after asking for the enable secret."});
        g.add({"disable", "Turn off privileged commands\n", kExec, 15, do_disable, false,
               "Return from PRIVILEGED to EXEC mode."});
        g.add({"configure terminal", "Enter configuration mode\nConfigure from the terminal\n", kExec, 15,
               do_configure, false, "Enter CONFIG mode."});
        g.add({"exit", "Exit from the current mode (log out from EXEC)\n", kAllModes, 1, do_exit, false,
               "Leave CONFIG mode, or end the session from EXEC / PRIVILEGED mode."});
        g.add({"end", "End configuration mode\n", kConfig, 15, do_end, false, "Return to PRIVILEGED mode."});
        g.add({"do LINE$command", "Run an EXEC or PRIVILEGED command\nThe command to run\n", kConfig, 15, do_do,
               false, "Run an EXEC or PRIVILEGED command without leaving CONFIG mode."});
        g.add({"hostname HOSTNAME$name", "Set the appliance host name\nHost name or FQDN\n", kConfig, 15,
               do_hostname, false, "Set the host name shown in the prompt, sysName and the TLS certificate."});
        g.add({"no hostname [HOSTNAME$name]", NO_STR "Set the appliance host name\nHost name or FQDN\n", kConfig,
               15, do_hostname, false, "Restore the factory host name (sentry)."});
        g.add({"timeout (0-35791)$minutes", "Set the CLI idle session timeout\nMinutes (0 = never)\n", kConfig,
               15,
               [](Shell& sh, const Args& a) { return config_edit(sh, "system.cli.timeout", "set", a.num("minutes")); },
               false, "Close an idle CLI session after this many minutes (default 10)."});
        g.add({"no timeout", NO_STR "Set the CLI idle session timeout\n", kConfig, 15,
               [](Shell& sh, const Args&) { return config_edit(sh, "system.cli.timeout", "delete"); }, false,
               "Restore the default CLI idle timeout (10 minutes)."});
        g.add({"service ssh (1-10)$max", "Configure a system service\nSSH access to the CLI\n"
                                         "Maximum concurrent SSH sessions\n",
               kConfig, 15,
               [](Shell& sh, const Args& a) { return config_edit(sh, "ssh.max_sessions", "set", a.num("max")); },
               false, "Set the maximum number of concurrent SSH sessions (default 5)."});
        g.add({"snmp-server community WORD$community ro",
               "Configure the SNMP agent\nSNMP v2c community\nCommunity string\nRead-only access\n", kConfig, 15,
               [](Shell& sh, const Args& a) {
                   return config_edit(sh, "snmp.community", "set", a.str("community"));
               },
               false, "Set the SNMP v2c read-only community."});
        g.add({"no snmp-server community [WORD$community] [ro]",
               NO_STR "Configure the SNMP agent\nSNMP v2c community\nCommunity string\nRead-only access\n", kConfig,
               15, [](Shell& sh, const Args&) { return config_edit(sh, "snmp.community", "delete"); }, false,
               "Remove the SNMP v2c community (v2c access off)."});
        g.add({"show running-config [all]", SHOW_STR "Current operating configuration\nInclude default values\n",
               kExec, 1,
               [](Shell& sh, const Args& a) {
                   return show(sh, {{"what", "running-config"}, {"all", a.has("all")}});
               },
               true, "Show the running configuration rendered from MICS's data (defaults omitted unless 'all')."});
        g.add({"show startup-config", SHOW_STR "Configuration loaded at boot\n", kExec, 15,
               [](Shell& sh, const Args&) { return show(sh, {{"what", "startup-config"}}); }, true,
               "Show the configuration saved by 'write memory'."});
        g.add({"show version", SHOW_STR "Software version, build and uptime\n", kExec, 1,
               [](Shell& sh, const Args&) { return show(sh, {{"what", "version"}}); }, true,
               "Show product name, version, build date and uptime."});
        g.add({"write [memory]", "Save the running configuration\nTo the startup configuration\n", kExec, 15,
               do_write, false, "Save the running configuration as the startup configuration."});
        g.add({"copy running-config startup-config",
               "Copy a configuration\nThe running configuration\nThe startup configuration\n", kExec, 15, do_write,
               false, "Same as 'write memory'."});
        return g;
    }();
    return g;
}

}  // namespace cli
