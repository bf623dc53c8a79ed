// Moving between modes: enable, disable, configure, exit, end, do.
#include "command_util.hpp"
#include "commands.hpp"

namespace cli {

using nlohmann::json;

namespace {

int do_enable(Shell& sh, const Args&) {
    if (sh.privilege() >= 15) return kOk;
    // Three tries, as IOS allows, then back to the prompt.
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::string secret = sh.read_secret("Password: ");
        if (sh.exiting()) return kCommandError;  // the session timed out at the prompt
        mics::Reply r = sh.call("session.enable", json{{"secret", secret}}.dump());
        if (r.ok) {
            sh.refresh();
            return kOk;
        }
        if (r.code == "locked") {
            // Failed enable attempts locked the account (or it was locked
            // meanwhile): MICS refuses enable, and the session ends as a
            // locked account's login would.
            int rc = sh.fail(r);
            sh.request_exit();
            return rc;
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

int do_configure(Shell& sh, const Args&) { return sh.enter_mode(kConfig); }

// "end" and "exit" in a sub-mode return to its parent (CONFIG), not to
// PRIVILEGED: running-config closes every interface block with "end" and must
// replay (spec 1.2, AMBIG decided). Ctrl-Z leaves every configuration mode.
int do_end(Shell& sh, const Args&) {
    bool ctrl_z = sh.take_ctrl_z();
    if (is_submode(sh.mode()) && !ctrl_z) return sh.enter_mode(mode_info(sh.mode()).parent);
    return sh.enter_mode(kExec);
}

int do_exit(Shell& sh, const Args& a) {
    if (sh.mode() != kExec) return do_end(sh, a);
    sh.request_exit();
    return kOk;
}

int do_do(Shell& sh, const Args& a) {
    // "do" runs an EXEC/PRIVILEGED command without leaving configuration mode.
    std::string line = a.str("command");
    const Match m = grammar().parse(line, kExec, sh.privilege());
    if (m.status == Match::ok && m.cmd->syntax == "configure terminal")
        return sh.error("Already in configuration mode");
    Mode saved = sh.mode();
    std::string context = sh.context();
    std::size_t caret = sh.prompt().size() + 3;
    sh.set_mode(kExec);
    int rc = sh.execute(line, caret);
    if (!sh.exiting()) sh.set_mode(saved, context);
    return rc;
}

}  // namespace

void register_session_commands(Grammar& g) {
    g.add({"enable", "Turn on privileged commands\n", kExec, 1, do_enable, false,
           "Enter PRIVILEGED mode after asking for the enable secret."});
    g.add({"disable", "Turn off privileged commands\n", kExec, 15, do_disable, false,
           "Return from PRIVILEGED to EXEC mode."});
    g.add({"configure terminal", "Enter configuration mode\nConfigure from the terminal\n", kExec, 15,
           do_configure, false, "Enter CONFIG mode."});
    g.add({"exit", "Exit from the current mode (log out from EXEC)\n", kAllModes, 1, do_exit, false,
           "Leave a sub-mode for CONFIG, CONFIG for PRIVILEGED, or end the session from EXEC / PRIVILEGED mode."});
    g.add({"end", "End configuration mode\n", kConfigModes, 15, do_end, false,
           "Return to PRIVILEGED mode from CONFIG; from a sub-mode (interface) return to CONFIG, so that a "
           "rendered running-config, whose sections end with 'end', replays; Ctrl-Z returns to PRIVILEGED from "
           "any configuration mode."});
    CommandDef d{"do LINE$command", "Run an EXEC or PRIVILEGED command\nThe command to run\n", kConfigModes, 15, do_do,
                 false, "Run an EXEC or PRIVILEGED command without leaving CONFIG mode."};
    d.raw_line = true;
    g.add(std::move(d));
}

}  // namespace cli
