// Configuration archive: revision list and diff, rollback, confirm-or-revert,
// erase startup-config, export/import, and the audit trail. Every decision
// (privilege, validation, the timer) is MICS's; these rows only ask.
#include "command_util.hpp"

#include <iostream>
#include <unistd.h>

namespace cli {

using nlohmann::json;

namespace {

// Calls a MICS op whose reply is {text, data} and emits it through the pipes.
int show_op(Shell& sh, const std::string& op, const json& args = json::object()) {
    mics::Reply r = sh.call(op, args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

int do_rollback(Shell& sh, const Args& a) {
    mics::Reply r = sh.call("config.rollback", json{{"revision", a.num("rev")}}.dump());
    if (!r.ok) return sh.fail(r);
    sh.print("Rollback to revision " + a.str("rev") + " committed as revision " +
             std::to_string(reply_data(r).value("revision", 0LL)) + "\n");
    sh.refresh();  // the host name may have changed
    return kOk;
}

int do_revert_timer(Shell& sh, const Args& a) {
    mics::Reply r = sh.call("config.revert.arm", json{{"minutes", a.num("minutes")}}.dump());
    if (!r.ok) return sh.fail(r);
    json p = reply_data(r).value("pending_revert", json::object());
    sh.set_mode(kConfig);
    sh.print("Revision " + std::to_string(p.value("revision", 0LL)) + " will be restored at " +
             p.value("deadline", std::string("?")) + " unless you enter 'configure confirm'\n");
    return kOk;
}

int do_confirm(Shell& sh, const Args&) {
    mics::Reply r = sh.call("config.confirm");
    if (!r.ok) return sh.fail(r);
    sh.print(reply_data(r).value("confirmed", false) ? "Configuration confirmed; the revert timer is off\n"
                                                     : "No revert timer is pending\n");
    return kOk;
}

// IOS "[confirm]": an empty line or y/yes confirms. Script mode reads the answer
// from the next script line (as 'enable' reads its secret); end of input or any
// other answer is "no", so an unattended run never erases by accident.
bool confirmed(Shell& sh, const std::string& question) {
    std::string answer;
    if (sh.options().echo) {
        sh.print(question + "\n");
        answer = sh.read_secret("");
        if (!std::cin) return false;  // run_stream reads the script from std::cin
    } else {
        sh.print(question);
        char c;
        bool any = false;
        while (::read(0, &c, 1) == 1) {
            any = true;
            if (c == '\n' || c == '\r') break;
            if (answer.size() < 16) answer.push_back(c);
        }
        sh.print("\n");
        if (!any) return false;
    }
    while (!answer.empty() && (answer.back() == ' ' || answer.back() == '\r')) answer.pop_back();
    return answer.empty() || answer == "y" || answer == "Y" || answer == "yes";
}

int do_erase(Shell& sh, const Args&) {
    if (!confirmed(sh, "Erasing the nvram filesystem will remove all configuration files! Continue? [confirm]"))
        return sh.error("Erase aborted");
    mics::Reply r = sh.call("config.erase_startup");
    if (!r.ok) return sh.fail(r);
    sh.print("[OK]\nErase of nvram: complete\n");
    return kOk;
}

int do_export(Shell& sh, const Args& a) {
    mics::Reply r = sh.call("config.export", json{{"file", a.str("file")}}.dump());
    if (!r.ok) return sh.fail(r);
    sh.print("Running configuration (revision " + std::to_string(reply_data(r).value("revision", 0LL)) +
             ") exported to " + a.str("file") + "\n");
    return kOk;
}

int do_import(Shell& sh, const Args& a) {
    mics::Reply r = sh.call("config.import", json{{"file", a.str("file")}}.dump());
    if (!r.ok) return sh.fail(r);
    json d = reply_data(r);
    sh.print(d.value("changed", false)
                 ? "Configuration imported from " + a.str("file") + " as revision " +
                       std::to_string(d.value("revision", 0LL)) + "\n"
                 : "No changes: " + a.str("file") + " matches the running configuration\n");
    sh.refresh();
    return kOk;
}

}  // namespace

void register_archive_commands(Grammar& g) {
    const std::string show = kShowHelp;
    const std::string rev = "Revision number (see 'show archive')\n";
    g.add({"show archive", show + "Configuration revisions\n", kExec, 15,
           [](Shell& s, const Args&) { return show_op(s, "archive.list"); }, true,
           "List the newest 100 configuration revisions (time in UTC, user, source, command) with markers for "
           "the running (R) and startup (S) revision, and a pending revert timer."});
    g.add({"show archive diff (1-2147483647)$a (1-2147483647)$b",
           show + "Configuration revisions\nCompare two revisions\n" + rev + rev, kExec, 15,
           [](Shell& s, const Args& a) { return show_op(s, "archive.diff", {{"a", a.num("a")}, {"b", a.num("b")}}); },
           true,
           "Line diff of two revisions' effective configurations (defaults included): '- ' lines only in the "
           "first, '+ ' lines only in the second."});
    g.add({"configure replace revision (1-2147483647)$rev",
           "Enter configuration mode\nReplace the running configuration\nWith an archived revision\n" + rev, kExec,
           15, do_rollback, false,
           "Roll back: commit the configuration of an archived revision as a new revision (command text "
           "'rollback to revision N') and apply it; history and startup-config are not changed."});
    g.add({"configure terminal revert timer (1-120)$minutes",
           "Enter configuration mode\nConfigure from the terminal\nRestore the current configuration unless "
           "confirmed\nTime to wait for 'configure confirm'\nMinutes\n",
           kExec, 15, do_revert_timer, false,
           "Enter CONFIG mode with a safety net: unless 'configure confirm' is entered within the given minutes, "
           "MICS commits the revision running now again ('revert: not confirmed within N minutes'); the timer "
           "survives a restart of MICS, and entering it again while one is pending moves the deadline but keeps the "
           "original revision."});
    g.add({"configure confirm", "Enter configuration mode\nKeep the configuration: stop the revert timer\n",
           kExec | kConfig, 15, do_confirm, false, "Confirm the changes made under a revert timer."});
    g.add({"erase startup-config", "Erase a filesystem\nThe startup configuration\n", kExec, 15, do_erase, false,
           "Forget the startup configuration after the IOS confirmation prompt (empty line or 'y' confirms; in a "
           "script the answer is the next line); the next boot loads the factory configuration (revision 1), "
           "the running configuration is unchanged until then."});
    g.add({"export configuration WORD$file",
           "Write the configuration to a file\nThe running configuration\nFile name in <state>/exports/\n", kExec,
           15, do_export, false,
           "Write the running configuration as CLI text (with a '!' header line) to <state>/exports/FILE; names "
           "are 1-128 characters, no '/', not starting with a dot; an existing file is replaced."});
    g.add({"import configuration WORD$file",
           "Read the configuration from a file\nThe running configuration\nFile name in <state>/exports/\n", kExec,
           15, do_import, false,
           "Replace the running configuration with the CLI text in <state>/exports/FILE, as one revision; any "
           "line MICS cannot parse or validate rejects the whole file (the message names the line)."});
    g.add({"show audit [last (1-10000)$n]",
           show + "Audit trail of commands and logins\nOnly the newest records\nNumber of records\n", kExec, 15,
           [](Shell& s, const Args& a) {
               json args = json::object();
               if (a.has("n")) args["last"] = a.num("n");
               return show_op(s, "audit.show", args);
           },
           true, "Show the newest audit records (default 50): time, user, source, session, mode, result, command."});
}

}  // namespace cli
