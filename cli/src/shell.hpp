// The interactive shell and the script / one-shot runner. Holds the MICS
// session (the only source of privilege), the mode, and output filtering.
#pragma once
#include "grammar.hpp"

#include "mics/client.hpp"

#include <istream>
#include <string>

namespace cli {

// Exit codes: 0 ok, 1 command error, 2 parse error (automation contract).
enum Status : int { kOk = 0, kCommandError = 1, kParseError = 2 };

struct ShellOptions {
    bool interactive = false;   // stdin is a terminal: readline, '?', TAB
    bool color = false;         // ANSI allowed (TTY and TERM != dumb)
    bool continue_on_error = false;
    bool echo = false;          // script mode: echo prompt + command (transcript)
};

class Shell {
public:
    Shell(mics::Client client, const Grammar& g, ShellOptions o);

    // Reads the session from MICS (user, privilege, hostname). "" or the reason.
    std::string start();
    // Runs one command line. caret_base = columns before the line on screen.
    int execute(const std::string& line, std::size_t caret_base);
    int run_interactive();
    int run_stream(std::istream& in);

    // ---- for handlers -----------------------------------------------------
    // Calls MICS; the typed line (secrets masked) rides along for the audit trail.
    mics::Reply call(const std::string& op, const std::string& args_json = "{}");
    void print(const std::string& text);
    // Show output: goes through the pipe filters; data is JSON text for "| json".
    void emit(const std::string& text, const std::string& data_json);
    int fail(const mics::Reply& r);  // prints "% <message>", returns kCommandError
    int error(const std::string& message);
    std::string read_secret(const std::string& prompt);

    Mode mode() const { return mode_; }
    void set_mode(Mode m) { mode_ = m; }
    int privilege() const { return privilege_; }
    void set_privilege(int p) { privilege_ = p; }
    void set_hostname(std::string h) { hostname_ = std::move(h); }
    const std::string& hostname() const { return hostname_; }
    void request_exit() { exit_ = true; }
    bool exiting() const { return exit_; }
    std::string prompt() const;
    const Grammar& grammar() const { return g_; }
    const ShellOptions& options() const { return opt_; }
    // Re-reads privilege and host name from MICS after a change.
    bool refresh();

    // readline glue (public for the C callbacks)
    void on_line(char* line);
    int on_help_key();
    char** on_complete(const char* text, int start, int end);

private:
    int run_line(const std::string& line, std::size_t caret_base);
    void print_caret(std::size_t col, const std::string& message);
    void audit_refused(const std::string& line, const std::string& result);

    mics::Client client_;
    const Grammar& g_;
    ShellOptions opt_;
    Mode mode_ = kExec;
    int privilege_ = 1;
    std::string hostname_ = "sentry";
    std::string user_;
    bool exit_ = false;
    int last_status_ = kOk;
    std::string current_raw_;         // the line as typed (caret display)
    std::string current_line_;        // masked line of the command being run
    std::vector<std::string> pipes_;  // pipe stages of the command being run
    std::istream* script_ = nullptr;  // script mode: where secrets come from
};

}  // namespace cli
