// Expected-text helpers shared by the config-model unit tests.
#pragma once
#include <string>

namespace sentry_test {

// What `show running-config all` prints for the six unconfigured interfaces.
inline std::string all_interfaces() {
    std::string s;
    for (int i = 1; i <= 6; ++i)
        s += "interface GigabitEthernet " + std::to_string(i) + "\n  no ip address\n  no shutdown\n  end\n";
    return s;
}

// What `show running-config all` prints last, for the factory platform
// settings (config_fields_platform.cpp): fips, dbconfig, services, kparams.
inline std::string all_platform() {
    return "no fips\nno dbconfig\nservice ntp\nservice iptables enable\nkparam rp_filter 0\nkparam log_martians 0\n"
           "kparam kernel_panic 0\nkparam tcp_sack 1\nkparam tcp_keepalive_time 7200\n"
           "kparam tcp_keepalive_probes 9\nkparam tcp_keepalive_intvl 75\n";
}

// What `show running-config all` prints for the factory password policy and
// lockout settings (config_fields_accounts.cpp), after `timeout N`.
inline std::string all_accounts() {
    return "password-policy min-length 8\npassword-policy max-length 128\npassword-policy character-classes 3\n"
           "password-policy history 5\npassword-policy lockout attempts 3\npassword-policy lockout window 15\n"
           "password-policy lockout time 15\n";
}

// What `show running-config all` prints for the SSH settings
// (config_fields_ssh.cpp) with the factory banner and max_sessions n.
inline std::string all_ssh(int n = 5) {
    return "banner login ^C\nAuthorized use only. Activity on this system is monitored and recorded.\n"
           "Disconnect now if you are not an authorized user.\n^C\nservice ssh\nservice ssh " +
           std::to_string(n) + "\nno ip ssh port\nip ssh grace-time 60\n";
}

// What `show running-config all` prints for the factory sentry settings
// (config_fields_sentry.cpp), after `service ssh N`.
inline std::string all_sentry() {
    std::string s = "sentry activesync enable\nsentry activesync all-dead try-anyway\n";
    const std::string d = "sentry activesync service default ";
    s += d + "server-tls\nno " + d + "server-verify\n" + d + "redirect-451\n" + d + "scheduling priority\n";
    s += d + "health-check\n" + d + "health-check interval 60\n" + d + "health-check live-threshold 3\n";
    s += d + "health-check dead-threshold 3\n" + d + "health-check failure-window 60000\n";
    s += d + "health-check dead-time 60000\n";
    s += "sentry timeout socket 10000\nsentry timeout connect 10000\nsentry timeout response 60000\n"
         "sentry timeout request 10000\n";
    s += "sentry emm-fail-open\nsentry emm-source-verify true\nsentry audit\nsentry health-monitor\n"
         "sentry hsts enable\n";
    s += "sentry uem verify-certificate\nsentry uem poll-interval 60\nsentry uem resync-interval 12\n"
         "sentry device-policy standalone\nno sentry auto-block-unregistered\n";
    return s;
}

// What `show running-config all` prints after the platform settings: the
// built-in ACL network services (config_fields_acl.cpp).
inline std::string all_acl() {
    return "object service ah ip protocol 51\nobject service dns udp dst-port 53\nobject service esp ip protocol 50\n"
           "object service http tcp dst-port 80\nobject service https tcp dst-port 443\n"
           "object service icmp ip protocol 1\nobject service ipsec-nat-t udp dst-port 4500\n"
           "object service isakmp udp dst-port 500\nobject service l2tp udp dst-port 1701\n"
           "object service ntp udp dst-port 123\nobject service snmp udp dst-port 161\n"
           "object service ssh tcp dst-port 22\n";
}

}  // namespace sentry_test
