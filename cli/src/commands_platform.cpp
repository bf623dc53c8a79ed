// Platform commands: reload, FIPS mode, kernel parameters, the boot-time
// service switches (ntp, iptables), dbconfig, and the reference product's
// commands that cannot exist on this appliance (docs/not-available.md).
#include "command_util.hpp"

#include <iostream>
#include <optional>
#include <unistd.h>

namespace cli {

using nlohmann::json;

namespace {

int show_op(Shell& sh, const std::string& op, const json& args = json::object()) {
    mics::Reply r = sh.call(op, args.dump());
    if (!r.ok) return sh.fail(r);
    json d = reply_data(r);
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

// "[yes/no]" questions (reload, spec 1.1: keep these exact strings). A script
// answers with its next line, echoed into the transcript; an interactive user
// types a line. Anything but yes/no asks again; end of input or Ctrl-C is
// nullopt (the command stops, nothing happens).
std::optional<bool> ask_yes_no(Shell& sh, const std::string& question) {
    for (int tries = 0; tries < 3; ++tries) {
        std::string answer;
        if (!sh.options().interactive) {
            sh.print(question + " ");
            answer = sh.read_secret("");
            if (!std::cin && answer.empty()) {
                sh.print("\n");
                return std::nullopt;
            }
            sh.print(answer + "\n");
        } else {
            sh.print(question + " ");
            char c;
            ssize_t n = 0;
            while ((n = ::read(0, &c, 1)) == 1 && c != '\n' && c != '\r')
                if (answer.size() < 16) answer.push_back(c);
            if (n != 1) {
                sh.print("\n");
                return std::nullopt;
            }
        }
        while (!answer.empty() && answer.back() == ' ') answer.pop_back();
        if (answer == "yes" || answer == "y" || answer == "YES" || answer == "Yes") return true;
        if (answer == "no" || answer == "n" || answer == "NO" || answer == "No") return false;
        sh.print("% Please answer 'yes' or 'no'.\n");
    }
    return std::nullopt;
}

int do_reload(Shell& sh, const Args&) {
    mics::Reply r = sh.call("config.status");
    if (!r.ok) return sh.fail(r);
    bool save = false;
    if (reply_data(r).value("modified", true)) {
        auto a = ask_yes_no(sh, "System configuration may have been modified. Save? [yes/no]");
        if (!a) return sh.error("Reload aborted");
        save = *a;
    }
    auto go = ask_yes_no(sh, "Proceed with reload? [yes/no]");
    if (!go) return sh.error("Reload aborted");
    if (!*go) return kOk;
    if (save) sh.print("Building configuration...\n[OK]\n");
    sh.print("Reloading: the startup configuration is loaded and every service restarts.\n");
    r = sh.call("system.reload", json{{"save", save}}.dump());
    if (!r.ok) {
        if (r.code == "transport") return kOk;  // our own SSH session ended with the restart of ssh
        return sh.fail(r);
    }
    json d = reply_data(r);
    std::string msg = "Reload complete: " + d.value("loaded", std::string("startup-config")) + " is running";
    if (d.value("discarded_changes", false)) msg += "; unsaved changes were discarded";
    sh.print(msg + ".\n");
    for (const auto& w : d.value("kparam_not_applied", json::array())) sh.print("Note: kparam not applied: " + w.get<std::string>() + "\n");
    // Every session ends with a reload, as on the device.
    sh.request_exit();
    return kOk;
}

int do_fips(Shell& sh, const Args& a) {
    int rc = config_edit(sh, "system.fips", "set", !a.has("no"));
    if (rc == kOk) sh.print("FIPS mode change takes effect after 'reload' (save the configuration first).\n");
    return rc;
}

const char* const kKparams[][3] = {
    {"rp_filter", "Reverse-path filter (net.ipv4.conf.*.rp_filter)", "(0-2)"},
    {"log_martians", "Log packets with impossible addresses (net.ipv4.conf.*.log_martians)", "(0-1)"},
    {"kernel_panic", "Seconds before reboot after a kernel panic (kernel.panic)", "(0-86400)"},
    {"tcp_sack", "TCP selective acknowledgements (net.ipv4.tcp_sack)", "(0-1)"},
    {"tcp_keepalive_time", "Idle seconds before TCP keepalive probes (net.ipv4.tcp_keepalive_time)", "(1-32767)"},
    {"tcp_keepalive_probes", "TCP keepalive probes before dropping (net.ipv4.tcp_keepalive_probes)", "(1-127)"},
    {"tcp_keepalive_intvl", "Seconds between TCP keepalive probes (net.ipv4.tcp_keepalive_intvl)", "(1-32767)"},
};

int do_kparam(Shell& sh, const Args& a) {
    std::string name = a.str("param");
    std::string path = "kparam." + name;
    if (!a.has("value") && !a.has("no")) {
        // Without a value: show it (spec 2.13 AMBIG, decided).
        mics::Reply r = sh.call("system.kparam");
        if (!r.ok) return sh.fail(r);
        for (const auto& row : reply_data(r)["data"].value("parameters", json::array()))
            if (row.value("name", "") == name)
                sh.print(name + ": configured " +
                         (row["configured"].is_null() ? std::string("- (kernel default)")
                                                      : std::to_string(row["configured"].get<long long>())) +
                         ", kernel " + row.value("kernel", std::string("-")) + " (" + row.value("sysctl", "") + ")\n");
        return kOk;
    }
    int rc = a.has("no") ? config_edit(sh, path, "delete") : config_edit(sh, path, "set", a.num("value"));
    if (rc != kOk) return rc;
    mics::Reply r = sh.call("system.kparam", json{{"apply", true}}.dump());
    if (!r.ok) return sh.fail(r);
    for (const auto& w : reply_data(r)["data"].value("not_applied", json::array()))
        sh.print("Note: stored, not applied to the kernel: " + w.get<std::string>() + "\n");
    return kOk;
}

// Spec 2.12 #113 with the reference's messages.
int do_certificate_sentry(Shell& sh, const Args&) {
    sh.print("Services will be disrupted.\n");
    auto go = ask_yes_no(sh, "Would you like to proceed? [y/n]:");
    if (!go) return sh.error("Aborted");
    if (!*go) return kOk;
    mics::Reply r = sh.call("certificate.sentry");
    if (!r.ok) return sh.fail(r);
    json d = reply_data(r);
    if (!d.value("regenerated", false)) {
        sh.print("Non Self-Signed Certificate in use. No Action performed\n");
        return kOk;
    }
    sh.print("A new self-signed certificate is in use; devices that pinned the old one must trust it again.\n");
    return kOk;
}

// The reference product's features this appliance cannot have; each reason is
// listed in docs/not-available.md.
Handler not_available(std::string reason) {
    return [reason](Shell& sh, const Args&) { return sh.error("Not available on this appliance: " + reason); };
}

constexpr const char* kNoVendorUpdates =
    "software comes from this project's builds and packages, not from the vendor's update servers";
constexpr const char* kNoWebServer =
    "there is no management web server (System Manager portal, ports 8443/9090)";
constexpr const char* kNoKerberos = "Kerberos constrained delegation is not implemented (a later issue)";

}  // namespace

void register_platform_commands(Grammar& g) {
    const std::string no = kNoHelp;
    const std::string show = kShowHelp;
    g.add({"reload", "Halt and perform a cold restart\n", kExec, 15, do_reload, false,
           "Reload the appliance: asks 'System configuration may have been modified, save?' ([yes/no]) when the "
           "running configuration differs from startup-config, then 'Proceed with reload?' ([yes/no]); MICS boots "
           "startup-config (unsaved changes are lost but stay in the archive), applies the kernel parameters and "
           "restarts every service, and every session ends (in a script the answers are the next lines)."});

    const std::string fips = "FIPS 140 approved-algorithms mode\n";
    g.add({"fips", fips, kConfig, 15, do_fips, false,
           "Restrict the appliance to FIPS-approved algorithms; takes effect after 'reload' (spec 2.1 #9)."});
    g.add({"no fips", no + fips, kConfig, 15, do_fips, false, "Allow all algorithms again after 'reload'."});
    g.add({"show FIPS", show + "FIPS 140 mode\n", kExec, 15,
           [](Shell& s, const Args&) { return show_op(s, "system.fips"); }, true,
           "'FIPS 140 mode is enabled' only when approved-only mode is in effect (configured at the last reload) "
           "and OpenSSL's FIPS provider loads; otherwise 'disabled', with what is configured, what is in effect "
           "and why the provider is not available."});

    const std::string kp = "Set a kernel parameter\n";
    for (const auto& k : kKparams) {
        std::string name = k[0];
        std::string syntax = "kparam " + name + "$param [" + k[2] + "$value]";
        g.add({syntax, kp + k[1] + "\nValue\n", kConfig, 15, do_kparam, false,
               std::string("Set ") + k[1] + "; without a value, show the configured and the kernel's value."});
        g.add({"no kparam " + name + "$param", no + kp + k[1] + "\n", kConfig, 15, do_kparam, false,
               "Stop managing " + name + " (the kernel's value stays as it is until the next boot)."});
    }
    g.add({"show kparam", show + "Kernel parameters: configured and current values\n", kExec, 15,
           [](Shell& s, const Args&) { return show_op(s, "system.kparam"); }, true,
           "The kparam settings next to the kernel's current values read from /proc/sys; MICS writes configured "
           "values only when it runs as root with SENTRY_KPARAM_APPLY=1 (the production service sets it), at once "
           "and at every reload."});

    const std::string db = "Database configuration line of the reference product (no effect)\n";
    g.add({"dbconfig", db, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "system.dbconfig", "set", true); }, false,
           "Accepted and rendered so that the reference product's running-config replays; it has no effect "
           "(its meaning is undocumented, spec 2.14 #127)."});
    g.add({"no dbconfig", no + db, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "system.dbconfig", "set", false); }, false,
           "The default; rendered with 'show running-config all'."});

    const std::string svc = "Configure a system service\n";
    const std::string ntp = "The NTP client\n";
    g.add({"service ntp", svc + ntp, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "service.ntp", "set", true); }, false,
           "Enable the NTP client at boot (the default)."});
    g.add({"no service ntp", no + svc + ntp, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "service.ntp", "set", false); }, false,
           "Disable the NTP client at boot (the local clock only)."});
    const std::string ipt = "The packet filter (iptables)\n";
    g.add({"service iptables enable", svc + ipt + "Start it at boot\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "service.iptables", "set", true); }, false,
           "Run the packet filter (the default): the bound access lists' rules are installed now and at every boot; "
           "saved with 'write memory' like every setting (docs/acl.md)."});
    g.add({"no service iptables", no + svc + ipt, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "service.iptables", "set", false); }, false,
           "Do not run the packet filter: its rules are removed now and not installed at boot; refused while an "
           "access list is bound to an interface."});

    // ---- cannot exist here (docs/not-available.md) ---------------------------
    const std::string sw = "Software update from the vendor's servers\n";
    g.add({"software repository WORD$url WORD$user PASSWORD$password",
           sw + "Update repository\nRepository URL\nUser name\nPassword\n", kConfig, 15,
           not_available(kNoVendorUpdates), false, "Not available: " + std::string(kNoVendorUpdates) + "."});
    g.add({"software checkupdate", sw + "List available updates\n", kExec, 15, not_available(kNoVendorUpdates), false,
           "Not available: " + std::string(kNoVendorUpdates) + "."});
    g.add({"software update", sw + "Download and stage updates\n", kExec, 15, not_available(kNoVendorUpdates), false,
           "Not available: " + std::string(kNoVendorUpdates) + "."});
    const std::string op = "HTTP proxy for update downloads\n";
    g.add({"software outbound-proxy HOSTNAME$host (1-65535)$port [WORD$user [PASSWORD$password]]",
           sw + op + "Proxy host name or address\nProxy port\nUser name\nPassword\n", kConfig, 15,
           not_available(kNoVendorUpdates), false, "Not available: " + std::string(kNoVendorUpdates) + "."});
    g.add({"no software outbound-proxy", no + sw + op, kConfig, 15, not_available(kNoVendorUpdates), false,
           "Not available: " + std::string(kNoVendorUpdates) + "."});
    const std::string au = "Fleet auto-upgrade\n";
    g.add({"software autoupgrade WORD$url [WORD$user [PASSWORD$password]]",
           sw + au + "URL of upgradeConfig.json\nUser name\nPassword\n", kConfig, 15, not_available(kNoVendorUpdates),
           false, "Not available: " + std::string(kNoVendorUpdates) + "."});
    g.add({"no software autoupgrade", no + sw + au, kConfig, 15, not_available(kNoVendorUpdates), false,
           "Not available: " + std::string(kNoVendorUpdates) + "."});
    g.add({"show software {outbound-proxy|autoupgrade}", show + sw + op + au, kExec, 15,
           not_available(kNoVendorUpdates), false, "Not available: " + std::string(kNoVendorUpdates) + "."});
    g.add({"install rpm url WORD$url", "Install a package\nAn RPM utility package\nFrom a URL\nPackage URL\n", kExec,
           15, not_available("the appliance is not RPM based and installs no vendor utility packages"), false,
           "Not available: the appliance is not RPM based and installs no vendor utility packages."});

    const std::string web = "The management web server\n";
    g.add({"httpd protocol WORD$protocols", web + "TLS protocols on ports 8443 and 9090\nComma-separated list\n",
           kConfig, 15, not_available(kNoWebServer), false, "Not available: " + std::string(kNoWebServer) + "."});
    const std::string hsts = "HTTP Strict Transport Security\n";
    g.add({"httpd hsts enable [preload]", web + hsts + "Send the header\nAdd preload\n", kConfig, 15,
           not_available(kNoWebServer), false, "Not available: " + std::string(kNoWebServer) + "."});
    g.add({"no httpd hsts", no + web + hsts, kConfig, 15, not_available(kNoWebServer), false,
           "Not available: " + std::string(kNoWebServer) + "."});
    g.add({"show httpd {protocol|hsts}", show + web + "TLS protocols on ports 8443 and 9090\n" + hsts, kExec, 1,
           not_available(kNoWebServer), false, "Not available: " + std::string(kNoWebServer) + "."});
    g.add({"certificate sentry", "Regenerate a self-signed certificate\nThe one the proxy presents to devices\n",
           kConfig, 15, do_certificate_sentry, false,
           "Regenerate the self-signed certificate sentryd presents to devices (CN = the host name) after "
           "the [y/n] question, and restart sentryd; a certificate that is not self-signed is left alone (no action "
           "performed), and devices that pinned the old certificate must trust the new one."});
    g.add({"certificate portal", "Regenerate a self-signed certificate\nThe System Manager portal's\n", kConfig, 15,
           not_available(kNoWebServer), false, "Not available: " + std::string(kNoWebServer) + "."});

    const std::string action = "Start the service\nStop the service\nStop, then start the service\n"
                               "Show the service's state\n";
    g.add({"service {tomcat|tomcat2} {start|stop|restart|status}",
           svc + "The reference product's proxy (here: 'service sentry')\n"
                 "The reference product's System Manager and configuration service\n" + action,
           kExec, 15,
           not_available("there is no Tomcat; the proxy is sentryd ('service sentry ...') and the configuration "
                         "service MICS is managed by the host's init system"),
           false, "Not available: no Tomcat here; use 'service sentry ...' for the proxy."});
    const std::string splunk = "The Splunk forwarder\n";
    const char* no_splunk = "there is no Splunk forwarder; send logs to a collector with syslog";
    g.add({"service splunk-forwarder enable", svc + splunk + "Start it at boot\n", kConfig, 15,
           not_available(no_splunk), false, "Not available: no Splunk forwarder."});
    g.add({"no service splunk-forwarder", no + svc + splunk, kConfig, 15, not_available(no_splunk), false,
           "Not available: no Splunk forwarder."});
    g.add({"service splunk-forwarder {start|stop|restart|status}", svc + splunk + action, kExec, 15,
           not_available(no_splunk), false, "Not available: no Splunk forwarder."});

    const std::string sentry = kSentryHelp;
    const std::string krb = "Kerberos constrained delegation\n";
    g.add({"show sentry kerberos [cache {dump [WORD$filter]|upn WORD$upn}]",
           show + sentry + krb + "Cached tickets\nList cached UPNs\nUPN filter\nOne UPN's record\nUser principal name\n",
           kExec, 1, not_available(kNoKerberos), false, "Not available: " + std::string(kNoKerberos) + "."});
    const std::string dbg = kDebugHelp;
    g.add({"debug sentry kerberos-cache purge WORD$upn",
           dbg + sentry + "Kerberos ticket cache\nDrop a UPN's cached tickets\nUser principal name\n", kConfig, 15,
           not_available(kNoKerberos), false, "Not available: " + std::string(kNoKerberos) + "."});
    g.add({"debug sentry kerberos {init"
           "|request-ticket {host-port WORD$upn WORD$realm HOSTNAME$host [(1-65535)$port]|spn WORD$upn WORD$realm WORD$spn}}",
           dbg + sentry + krb + "Get the ticket-granting ticket now\nRequest a service ticket (test only)\n"
                                "Towards a host and port\nUser principal name\nRealm\nService host\n"
                                "Service port (default 443)\nNaming the SPN\nUser principal name\nRealm\n"
                                "Service principal name\n",
           kConfig, 15, not_available(kNoKerberos), false, "Not available: " + std::string(kNoKerberos) + "."});
    const char* no_jvm = "sentryd is native code: there is no Java VM, garbage-collector log or worker-thread monitor";
    g.add({"show sentry gc-log", show + sentry + "Garbage-collector log settings\n", kExec, 1, not_available(no_jvm),
           false, "Not available: no Java VM."});
    const std::string mon = "Self-monitor of the proxy's thread pool\n";
    g.add({"debug sentry monitor {enable|capture {port [(1-65535)$port]|time [(1-86400)$seconds]}"
           "|threads percentage [(1-100)$percent]|trigger [(1-1440)$minutes]}",
           dbg + sentry + mon + "Enable the self-monitor\nPacket capture during data collection\nTCP port\nPort\n"
                                "Length of each capture\nSeconds\nRunning-threads threshold\nPercent of the pool\n"
                                "Percent\nTime above the threshold before a restart\nMinutes\n",
           kConfig, 15, not_available(no_jvm), false, "Not available: no worker-thread pool to monitor."});
    g.add({"no debug sentry monitor enable", no + dbg + sentry + mon + "Enable the self-monitor\n", kConfig, 15,
           not_available(no_jvm), false, "Not available: no worker-thread pool to monitor."});
    const char* no_init_log = "sentryd always logs its start-up to var/log/sentryd.log; there is no separate init log";
    const std::string il = "Log messages of the proxy's initialisation\n";
    g.add({"debug sentry init-log [{level_1_lowest|level_2|level_3|level_4_highest}]",
           dbg + sentry + il + "Lowest\nLevel 2\nLevel 3\nHighest\n", kConfig, 15, not_available(no_init_log), false,
           "Not available: sentryd's start-up is always in its log."});
    g.add({"no debug sentry init-log", no + dbg + sentry + il, kConfig, 15, not_available(no_init_log), false,
           "Not available: sentryd's start-up is always in its log."});
}

}  // namespace cli
