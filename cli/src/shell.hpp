// The interactive shell and the script / one-shot runner. Holds the MICS
// session (the only source of privilege), the mode, and output filtering.
#pragma once
#include "grammar.hpp"
#include "pager.hpp"

#include "mics/client.hpp"

#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace cli {

// Exit codes: 0 ok, 1 command error, 2 parse error (automation contract).
enum Status : int { kOk = 0, kCommandError = 1, kParseError = 2 };

struct ShellOptions {
    bool interactive = false;   // stdin is a terminal: readline, '?', TAB
    bool color = false;         // ANSI allowed (TTY and TERM != dumb)
    bool continue_on_error = false;
    bool echo = false;          // script mode: echo prompt + command (transcript)
    // Test hook (SENTRY_CLI_IDLE_SECONDS): idle timeout in seconds instead of
    // the configured minutes; -1 = not set.
    int idle_seconds_override = -1;
};

// Terminal size as the shell sees it: TIOCGWINSZ on stdout, else $LINES /
// $COLUMNS, else 24 x 80.
struct TermSize {
    int rows = 24, cols = 80;
};
TermSize detect_term_size();

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
    // The same, for output produced in pages (a million-entry device dump):
    // filters keep their state across chunks, `| count` and `| json` (one
    // array of the items) finish in stream_end(). stream_lines() returns false
    // once the reader quit at --More--, so the producer stops fetching.
    void stream_begin();
    bool stream_lines(const std::string& text, const std::vector<std::string>& items_json);
    void stream_end();
    // The current command's output ends in `| json`: emit() prints only the
    // data, so a handler may leave the text out of its request (and the
    // data when this is false).
    bool wants_json() const;
    int fail(const mics::Reply& r);  // prints "% <message>", returns kCommandError
    int error(const std::string& message);
    std::string read_secret(const std::string& prompt);

    Mode mode() const { return mode_; }
    // The mode and, in a sub-mode, its context (the interface number).
    void set_mode(Mode m, std::string context = {}) {
        mode_ = m;
        context_ = std::move(context);
    }
    const std::string& context() const { return context_; }
    // Moves to mode m and tells MICS (which knows only exec / config / a sub-mode's
    // name, for its checks and the audit trail). Prints the error on refusal.
    int enter_mode(Mode m, std::string context = {});
    // Ctrl-Z was pressed: the "end" it typed leaves every configuration mode.
    bool take_ctrl_z() {
        bool z = ctrl_z_;
        ctrl_z_ = false;
        return z;
    }
    void set_ctrl_z() { ctrl_z_ = true; }
    int privilege() const { return privilege_; }
    void set_privilege(int p) { privilege_ = p; }
    void set_hostname(std::string h) { hostname_ = std::move(h); }
    const std::string& hostname() const { return hostname_; }
    void request_exit() { exit_ = true; }
    bool exiting() const { return exit_; }
    std::string prompt() const;
    const Grammar& grammar() const { return g_; }
    const ShellOptions& options() const { return opt_; }
    // Re-reads privilege, host name and idle timeout from MICS after a change.
    bool refresh();

    // Per-session terminal settings (never saved config, as on IOS); -1 = follow the terminal.
    void set_terminal_length(int lines) { term_length_ = lines; }
    void set_terminal_width(int columns) { term_width_ = columns; }
    int terminal_length() const;  // effective: 0 = pager off
    int terminal_width() const;   // effective: 0 = do not wrap
    int idle_timeout_min() const { return idle_timeout_min_; }
    // The session's command history, oldest first (readline's when interactive).
    std::vector<std::string> history() const;

    // readline glue (public for the C callbacks)
    void on_line(char* line);
    int on_help_key();
    char** on_complete(const char* text, int start, int end);

private:
    struct StreamStage;  // shell.cpp (keeps <regex> out of this header)
    std::vector<std::shared_ptr<StreamStage>> stream_;
    bool stream_json_ = false, stream_first_ = true;
    void stream_line(const std::string& line, std::size_t stage, std::string& out);

    int run_line(const std::string& line, std::size_t caret_base);
    void print_caret(std::size_t col, const std::string& message);
    void audit_refused(const std::string& line, const std::string& result);
    std::string history_form(const std::string& line) const;
    void write_out(const std::string& text);
    // "--More--": waits for a key and tells the pager; false when output stops.
    bool more_prompt();
    // Waits until stdin is readable or the idle timeout expires (then reports
    // it and ends the session). False on expiry.
    bool wait_input();
    int idle_ms() const;  // -1 = never
    void idle_expired();

    mics::Client client_;
    const Grammar& g_;
    ShellOptions opt_;
    Mode mode_ = kExec;
    std::string context_;             // sub-mode context: the interface number
    bool ctrl_z_ = false;
    int privilege_ = 1;
    std::string hostname_ = "sentry";
    std::string user_;
    bool exit_ = false;
    int last_status_ = kOk;
    std::string current_raw_;         // the line as typed (caret display)
    std::string current_line_;        // masked line of the command being run
    std::vector<std::string> pipes_;  // pipe stages of the command being run
    std::istream* script_ = nullptr;  // script mode: where secrets come from
    int term_length_ = -1;
    int term_width_ = -1;
    int idle_timeout_min_ = 10;       // system.cli.timeout, re-read after every command
    bool idle_expired_ = false;
    int depth_ = 0;                   // execute() nesting ("do" runs a command inside one)
    Pager pager_;
    bool paging_ = false;             // the current command's output goes through the pager
    std::vector<std::string> script_history_;  // non-interactive "show history"
};

}  // namespace cli
