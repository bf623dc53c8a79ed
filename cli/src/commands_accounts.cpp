// Local users, password policy, lockout, login banner, SSH settings, login
// sessions. MICS checks privilege, the password policy and the account of
// last resort (mics/src/ops_accounts.cpp, docs/accounts.md); these rows only
// collect input and build one request.
#include "command_util.hpp"

#include <poll.h>
#include <unistd.h>

namespace cli {

using nlohmann::json;

namespace {

// Calls an op whose data is {text, data} and emits it through the pipe filters.
int call_emit(Shell& sh, const std::string& op, const json& args = json::object()) {
    mics::Reply r = sh.call(op, args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    if (!d.is_object()) d = json::object();
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

int call_ok(Shell& sh, const std::string& op, const json& args, const std::string& done = "") {
    mics::Reply r = sh.call(op, args.dump());
    if (!r.ok) return sh.fail(r);
    if (!done.empty()) sh.print(done);
    return kOk;
}

// Asks twice without echo; "" with a message printed when they differ.
bool read_new_secret(Shell& sh, const std::string& what, std::string& out) {
    std::string a = sh.read_secret("New " + what + ": ");
    if (sh.exiting()) return false;
    std::string b = sh.read_secret("Confirm " + what + ": ");
    if (sh.exiting()) return false;
    if (a != b) {
        sh.error("The " + what + "s do not match; nothing was changed");
        return false;
    }
    if (a.empty()) {
        sh.error("An empty " + what + " is not allowed");
        return false;
    }
    out = a;
    return true;
}

int do_user_password(Shell& sh, const Args& a) {
    std::string pw;
    if (!read_new_secret(sh, "password", pw)) return kCommandError;
    return call_ok(sh, "account.password", {{"user", a.str("user")}, {"password", pw}});
}

int do_enable_secret(Shell& sh, const Args&) {
    std::string pw;
    if (!read_new_secret(sh, "enable secret", pw)) return kCommandError;
    return call_ok(sh, "account.enable_secret", {{"secret", pw}});
}

int edits(Shell& sh, const json& list) {
    mics::Reply r = sh.call("config.edit", json{{"edits", list}}.dump());
    return r.ok ? kOk : sh.fail(r);
}

std::string user_path(const char* family, const Args& a) { return std::string(family) + "[" + a.str("user") + "]"; }

int do_no_user(Shell& sh, const Args& a) {
    return edits(sh, json::array({{{"path", user_path("user.sshkey", a)}, {"op", "delete"}},
                                  {{"path", user_path("user.secret", a)}, {"op", "delete"}}}));
}

// ---- banner login: Cisco's delimiter form, over as many lines as it takes

}  // namespace

// The closing delimiter decides when the shell (and `--check`) stops reading.
bool banner_closed(const std::string& raw) {
    std::size_t s = raw.find_first_not_of(' ');
    if (s == std::string::npos) return false;
    std::string first = raw.substr(s);
    while (!first.empty() && first.back() == ' ') first.pop_back();
    if (first == "dod") return true;
    std::string delim = raw.compare(s, 2, "^C") == 0 ? "^C" : raw.substr(s, 1);
    return raw.find(delim, s + delim.size()) != std::string::npos;
}

namespace {

// One line typed at the terminal with echo (readline is not active while a
// command runs, the terminal is in its normal line mode). Bounded by the idle
// timeout. False at end of input.
bool read_echo_line(Shell& sh, std::string& out) {
    out.clear();
    int ms = sh.idle_timeout_min() > 0 ? sh.idle_timeout_min() * 60 * 1000 : -1;
    for (;;) {
        pollfd p{0, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0) return false;
        char c;
        if (::read(0, &c, 1) != 1) return false;
        if (c == '\n' || c == '\r') return true;
        if (out.size() < 4096) out.push_back(c);
    }
}

int do_banner(Shell& sh, const Args& a) {
    std::string raw = a.str("text");
    if (!banner_closed(raw)) {
        std::size_t s = raw.find_first_not_of(' ');
        std::string delim = raw.compare(s, 2, "^C") == 0 ? "^C" : raw.substr(s, 1);
        if (sh.options().interactive)
            sh.print("Enter TEXT message.  End with the character '" + delim + "'.\n");
        for (std::size_t n = 0; !banner_closed(raw); ++n) {
            std::string more;
            bool got = sh.options().interactive ? read_echo_line(sh, more) : (more = sh.read_secret(""), true);
            if (!got || n >= kMaxBannerLines || sh.exiting())
                return sh.error("banner login: the text is not closed by '" + delim + "'; nothing was changed");
            raw += "\n" + more;
        }
    }
    return call_ok(sh, "ssh.banner", {{"raw", raw}});
}

// `ip ssh port`: MICS checks the port is free and restarts sentry-sshd on
// it when the change commits; this session (over SSH or not) stays.
int set_ssh_port(Shell& sh, long long port) {
    json e = {{"path", "ssh.port"}, {"op", port ? "set" : "delete"}};
    if (port) e["value"] = port;
    mics::Reply r = sh.call("config.edit", json{{"edits", json::array({e})}}.dump());
    if (!r.ok) return sh.fail(r);
    if (json::parse(r.data, nullptr, false).value("changed", false))
        sh.print(std::string("SSH moved to ") + (port ? "port " + std::to_string(port) : "its start-up port") +
                 "; sessions already open stay connected.\n");
    return kOk;
}

}  // namespace

void register_account_commands(Grammar& g) {
    const std::string no = kNoHelp;
    const std::string sh = kShowHelp;
    const std::string user = "Configure a local user\nUser name\n";
    g.add({"username WORD$user password", user + "Set the password (asked twice, not echoed)\n", kConfig, 15,
           do_user_password, false,
           "Create the user or change its password. The password is checked against the password policy "
           "(length, character classes, history) in MICS and stored as a yescrypt hash."});
    // The reference's running-config line for its administrator (spec #133).
    g.add({"system user WORD$user PASSWORD$password",
           "System account settings\nA local administrator account\nUser name\nThe new password (masked in the "
           "audit trail and history)\n",
           kConfig, 15,
           [](Shell& sh, const Args& a) {
               return call_ok(sh, "account.password", {{"user", a.str("user")}, {"password", a.str("password")}});
           },
           false,
           "Create the user or change its password, with the password on the line (the reference product's form; "
           "`username USER password` asks for it instead). The password policy applies; a masked `***` from a "
           "copied configuration is refused by it."});
    g.add({"username WORD$user secret hash PASSWORD$hash",  // a hash is masked in the audit trail too
           user + "Set the password as a hash\nThe hash follows\nyescrypt hash ($y$...)\n", kConfig, 15,
           [](Shell& s, const Args& a) { return config_edit(s, user_path("user.secret", a), "set", a.str("hash")); },
           false,
           "Create the user or set its password hash (the form show running-config prints at privilege 15; "
           "the password policy cannot be checked on a hash)."});
    g.add({"username WORD$user ssh-key WORD$type WORD$key",
           user + "Set the SSH public key\nKey type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ...)\n"
                  "Base64 key as in authorized_keys\n",
           kConfig, 15,
           [](Shell& s, const Args& a) {
               return config_edit(s, user_path("user.sshkey", a), "set", a.str("type") + " " + a.str("key"));
           },
           false, "Set the user's SSH public key (one per user) for public key login."});
    g.add({"no username WORD$user ssh-key", no + user + "Set the SSH public key\n", kConfig, 15,
           [](Shell& s, const Args& a) { return config_edit(s, user_path("user.sshkey", a), "delete"); }, false,
           "Remove the user's SSH public key."});
    g.add({"no username WORD$user", no + user, kConfig, 15, do_no_user, false,
           "Delete the user. Refused for the last remaining user (the account of last resort) and for your own "
           "account."});
    // "enable" keeps its one help wording (a test pins help per shared keyword).
    g.add({"enable secret", "Turn on privileged commands\nChange the enable secret (asked twice, not echoed)\n",
           kConfig, 15, do_enable_secret, false,
           "Change the enable secret; the password policy applies and the current secret cannot be reused."});

    const std::string pp = "Configure the password policy\n";
    struct Num {
        const char* syntax;
        const char* help;
        const char* path;
        const char* doc;
    };
    const Num nums[] = {
        {"min-length (8-128)$n", "Minimum password length\nCharacters\n", "password.min_length",
         "Minimum password length (default 8; the STIG asks for 15)."},
        {"max-length (8-128)$n", "Maximum password length\nCharacters\n", "password.max_length",
         "Maximum password length (default 128)."},
        {"character-classes (1-4)$n",
         "Character classes a password must mix\nHow many of lower case, upper case, digits, special\n",
         "password.classes", "How many of the four character classes a password must contain (default 3)."},
        {"history (0-24)$n", "Previous passwords that may not be reused\nHow many (0 = none)\n", "password.history",
         "How many previous passwords of an account cannot be reused (default 5)."},
        {"lockout attempts (1-16)$n", "Account lockout\nFailed logins that lock an account\nFailures\n",
         "lockout.attempts", "Failed logins within the window that lock the account (default 3)."},
        {"lockout window (1-1440)$n", "Account lockout\nMinutes in which failures are counted\nMinutes\n",
         "lockout.window", "Window in minutes in which failed logins are counted (default 15)."},
        {"lockout time (0-1440)$n", "Account lockout\nHow long an account stays locked\nMinutes (0 = until cleared)\n",
         "lockout.duration", "Minutes a locked account stays locked; 0 = until `clear users locked` (default 15)."},
    };
    for (const Num& n : nums) {
        std::string path = n.path;
        g.add({std::string("password-policy ") + n.syntax, pp + n.help, kConfig, 15,
               [path](Shell& s, const Args& a) { return config_edit(s, path, "set", a.num("n")); }, false, n.doc});
        std::string kw = n.syntax;
        kw = kw.substr(0, kw.rfind(' '));  // the keywords without the number
        std::string help = n.help;
        help = help.substr(0, help.rfind('\n', help.size() - 2) + 1);
        g.add({"no password-policy " + kw, no + pp + help, kConfig, 15,
               [path](Shell& s, const Args&) { return config_edit(s, path, "delete"); }, false,
               "Restore the default."});
    }
    g.add({"password-policy stig", pp + "The DISA STIG values\n", kConfig, 15,
           [](Shell& s, const Args&) {
               static const std::pair<const char*, int> stig[] = {
                   {"password.min_length", 15}, {"password.classes", 4}, {"password.history", 5},
                   {"lockout.attempts", 3},     {"lockout.window", 15},  {"lockout.duration", 15}};
               json e = json::array();
               for (const auto& [p, v] : stig) e.push_back({{"path", p}, {"op", "set"}, {"value", v}});
               return edits(s, e);
           },
           false,
           "Set min-length 15, character-classes 4, history 5 and lockout 3 failures / 15 minutes / 15 minutes."});

    const std::string banner = "Define a login banner\nShown before authentication (SSH)\n";
    CommandDef banner_login{"banner login LINE$text",
           banner + "'dod' for the DoD notice, or a delimiter character, the text, the delimiter\n", kConfig, 15,
           do_banner, false,
           "Set the login banner: `banner login dod` selects the standard DoD Notice and Consent Banner; "
           "otherwise the first character (or ^C) is the delimiter and the text, over as many lines as needed, "
           "ends at the next delimiter (`banner login ^C` ... `^C`)."};
    banner_login.text_complete = banner_closed;
    g.add(std::move(banner_login));
    g.add({"no banner login", no + banner, kConfig, 15,
           [](Shell& s, const Args&) { return config_edit(s, "ssh.banner", "set", ""); }, false,
           "Show no login banner."});

    const std::string svc = "Configure a system service\nSSH access to the CLI\n";
    g.add({"service ssh", svc, kConfig, 15,
           [](Shell& s, const Args&) { return config_edit(s, "ssh.enabled", "delete"); }, false,
           "Allow SSH access to the CLI (the default)."});
    g.add({"no service ssh", no + svc, kConfig, 15,
           [](Shell& s, const Args&) { return config_edit(s, "ssh.enabled", "set", false); }, false,
           "Refuse new SSH connections (sessions already open stay open; the console still works)."});
    const std::string ipssh = "Configure IP settings\nConfigure SSH\nSeconds a client has to authenticate\n";
    g.add({"ip ssh grace-time (10-600)$s", ipssh + "Seconds\n", kConfig, 15,
           [](Shell& s, const Args& a) { return config_edit(s, "ssh.grace_time", "set", a.num("s")); }, false,
           "Close a connection that has not authenticated within this many seconds (default 60)."});
    g.add({"no ip ssh grace-time", no + ipssh, kConfig, 15,
           [](Shell& s, const Args&) { return config_edit(s, "ssh.grace_time", "delete"); }, false,
           "Restore the default grace time (60 seconds)."});

    const std::string ipsshport = "Configure IP settings\nConfigure SSH\nTCP port SSH listens on\n";
    g.add({"ip ssh port (1-65535)$port", ipsshport + "Port number\n", kConfig, 15,
           [](Shell& s, const Args& a) { return set_ssh_port(s, a.num("port")); }, false,
           "Move SSH to this TCP port at once: sentry-sshd restarts on it and sessions already open stay "
           "connected; the port must be free (default: the port sentry-micsd was started with, 22 in production)."});
    g.add({"no ip ssh port", no + ipsshport, kConfig, 15,
           [](Shell& s, const Args&) { return set_ssh_port(s, 0); }, false,
           "Return SSH to the port sentry-micsd was started with."});

    const std::string users = "Logged-in users\n";
    g.add({"show users", sh + users, kExec, 1, [](Shell& s, const Args&) { return call_emit(s, "users.lines"); },
           true, "Logged-in sessions: line, user, source address, login time and idle time (* = yours)."});
    g.add({"show users locked", sh + users + "Accounts locked after failed logins\n", kExec, 15,
           [](Shell& s, const Args&) { return call_emit(s, "users.locked"); }, true,
           "Accounts locked by the lockout policy, with their failure count and when the lock ends."});
    g.add({"clear users locked WORD$user", "Reset functions\nUser accounts\nLocked accounts\nUser name\n", kExec,
           15,
           [](Shell& s, const Args& a) {
               return call_ok(s, "users.unlock", {{"user", a.str("user")}}, "Account " + a.str("user") + " unlocked.\n");
           },
           false, "Unlock an account locked by failed logins."});
    g.add({"clear line (0-999)$line", "Reset functions\nEnd a login session\nLine number (show users)\n", kExec, 15,
           [](Shell& s, const Args& a) { return call_ok(s, "line.clear", {{"id", a.num("line")}}); }, false,
           "End another user's login session (its shell exits and the SSH connection closes)."});
    g.add({"show ssh", sh + "SSH server settings and host key fingerprints\n", kExec, 1,
           [](Shell& s, const Args&) { return call_emit(s, "ssh.show"); }, true,
           "SSH state, port, session limit, grace time, idle timeout, lockout policy and host key fingerprints."});
}

}  // namespace cli
