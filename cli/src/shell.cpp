#include "shell.hpp"

#include <nlohmann/json.hpp>
#include <readline/history.h>
#include <readline/readline.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace cli {

using nlohmann::json;

namespace {

Shell* g_shell = nullptr;  // readline's callbacks are plain C functions
volatile sig_atomic_t g_sigint = 0;
int g_sigpipe[2] = {-1, -1};

void on_sigint(int) {
    g_sigint = 1;
    if (g_sigpipe[1] >= 0) {
        char c = 1;
        [[maybe_unused]] auto n = ::write(g_sigpipe[1], &c, 1);
    }
}

void rl_line_cb(char* line) { g_shell->on_line(line); }
int rl_help_cb(int, int) { return g_shell->on_help_key(); }
char** rl_complete_cb(const char* text, int start, int end) { return g_shell->on_complete(text, start, end); }
int rl_ctrl_z_cb(int, int) {
    // Ctrl-Z in a config mode = "end", as on IOS.
    if (g_shell->mode() == kExec) return 0;
    g_shell->set_ctrl_z();  // from a sub-mode too: straight back to PRIVILEGED
    rl_replace_line("end", 0);
    rl_point = rl_end;
    rl_redisplay();
    return rl_newline(1, '\n');
}

const char* kPipeStages[] = {"begin", "count", "exclude", "include", "json", "section"};

// Resolves an abbreviated pipe stage name; "" if unknown or ambiguous.
std::string pipe_stage(const std::string& w) {
    std::string found;
    for (const char* s : kPipeStages)
        if (std::strncmp(s, w.c_str(), w.size()) == 0) {
            if (w == s) return s;
            if (!found.empty()) return "";
            found = s;
        }
    return found;
}

// A positive number from the environment (LINES, COLUMNS), bounded; 0 if unset or junk.
int env_size(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v || std::strlen(v) > 4) return 0;
    int n = 0;
    for (const char* p = v; *p; ++p) {
        if (*p < '0' || *p > '9') return 0;
        n = n * 10 + (*p - '0');
    }
    return n <= 512 ? n : 0;
}

using Clock = std::chrono::steady_clock;

}  // namespace

TermSize detect_term_size() {
    TermSize t;
    winsize ws{};
    bool have = ::ioctl(1, TIOCGWINSZ, &ws) == 0;
    // A PTY nobody sized reports 0 x 0: fall back as if there were no terminal.
    if (have && ws.ws_row > 0) t.rows = std::min<int>(ws.ws_row, 512);
    else if (int n = env_size("LINES")) t.rows = n;
    if (have && ws.ws_col > 0) t.cols = std::min<int>(ws.ws_col, 512);
    else if (int n = env_size("COLUMNS")) t.cols = n;
    return t;
}

Shell::Shell(mics::Client client, const Grammar& g, ShellOptions o)
    : client_(std::move(client)), g_(g), opt_(o) {}

std::string Shell::start() {
    if (!refresh()) return "cannot read the session from MICS";
    return {};
}

bool Shell::refresh() {
    mics::Reply r = client_.call("session.info");
    if (!r.ok) return false;
    json d = json::parse(r.data, nullptr, false);
    if (!d.is_object()) return false;
    privilege_ = d.value("privilege", 1);
    hostname_ = d.value("hostname", hostname_);
    user_ = d.value("user", user_);
    if (auto it = d.find("idle_timeout_min"); it != d.end() && it->is_number_integer())
        idle_timeout_min_ = static_cast<int>(std::clamp<long long>(it->get<long long>(), 0, 35791));
    return true;
}

int Shell::terminal_length() const { return term_length_ >= 0 ? term_length_ : detect_term_size().rows; }

int Shell::terminal_width() const { return term_width_ >= 0 ? term_width_ : detect_term_size().cols; }

std::vector<std::string> Shell::history() const {
    if (!opt_.interactive) return script_history_;
    std::vector<std::string> out;
    for (int i = 0; i < history_length; ++i)
        if (HIST_ENTRY* h = history_get(history_base + i)) out.emplace_back(h->line);
    return out;
}

std::string Shell::prompt() const {
    if (mode_ != kExec) return hostname_ + "/" + mode_info(mode_).name + "#";
    return hostname_ + (privilege_ >= 15 ? "#" : ">");
}

int Shell::enter_mode(Mode m, std::string context) {
    // A sub-mode is configuration mode for MICS; its name goes along for the audit trail.
    mics::Reply r = call("session.mode", json{{"mode", mode_info(m).name}}.dump());
    if (!r.ok) return fail(r);
    set_mode(m, std::move(context));
    return kOk;
}

mics::Reply Shell::call(const std::string& op, const std::string& args_json) {
    json a = json::parse(args_json, nullptr, false);
    if (!a.is_object()) a = json::object();
    if (!current_line_.empty()) a["line"] = current_line_;
    mics::Reply r = client_.call(op, a.dump());
    if (!r.ok && r.code == "transport") {
        std::fprintf(stdout, "%% Connection to the configuration service lost: %s\n", r.message.c_str());
        std::fflush(stdout);
        exit_ = true;
    }
    return r;
}

void Shell::write_out(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void Shell::print(const std::string& text) {
    if (!paging_) return write_out(text);
    // Line by line, so the pager can stop between any two lines.
    for (std::size_t pos = 0; pos < text.size() && !pager_.stopped();) {
        std::size_t nl = text.find('\n', pos);
        std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
        if (pager_.should_pause() && !more_prompt()) break;
        std::string piece = text.substr(pos, end - pos);
        write_out(piece);
        pager_.wrote(piece);
        pos = end;
    }
}

bool Shell::more_prompt() {
    // Plain text on a dumb terminal; reverse video where escapes are welcome.
    const std::string more = "--More--";
    write_out(opt_.color ? "\033[7m" + more + "\033[m" : more);
    termios old{};
    bool tty = ::tcgetattr(0, &old) == 0;
    if (tty) {
        // One key, unechoed; Ctrl-C arrives as a byte rather than a signal.
        termios t = old;
        t.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        ::tcsetattr(0, TCSANOW, &t);
    }
    Pager::Key k = Pager::Key::other;
    while (k == Pager::Key::other) {
        unsigned char c = 0;
        if (!wait_input() || ::read(0, &c, 1) != 1) {
            k = Pager::Key::quit;
            exit_ = true;  // idle timeout or the terminal went away
            break;
        }
        k = Pager::key_for(c);
    }
    if (tty) ::tcsetattr(0, TCSANOW, &old);
    pager_.resume(k);
    // Erase "--More--" so the output (or the next prompt) continues cleanly.
    if (!idle_expired_) write_out("\r" + std::string(more.size(), ' ') + "\r");
    return !pager_.stopped();
}

int Shell::idle_ms() const {
    if (opt_.idle_seconds_override >= 0)
        return opt_.idle_seconds_override == 0 ? -1 : opt_.idle_seconds_override * 1000;
    return idle_timeout_min_ == 0 ? -1 : idle_timeout_min_ * 60 * 1000;
}

void Shell::idle_expired() {
    if (idle_expired_) return;
    idle_expired_ = true;
    exit_ = true;
    std::string span = opt_.idle_seconds_override >= 0
                           ? std::to_string(opt_.idle_seconds_override) + " seconds"
                           : std::to_string(idle_timeout_min_) + (idle_timeout_min_ == 1 ? " minute" : " minutes");
    write_out("\r\n% Session idle timeout (" + span + ") expired\r\n");
}

bool Shell::wait_input() {
    if (exit_) return false;
    int ms = idle_ms();
    auto deadline = Clock::now() + std::chrono::milliseconds(ms < 0 ? 0 : ms);
    for (;;) {
        int left = -1;
        if (ms >= 0) {
            auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (d <= 0) {
                idle_expired();
                return false;
            }
            left = static_cast<int>(d);
        }
        pollfd p{0, POLLIN, 0};
        int n = ::poll(&p, 1, left);
        if (n > 0) return true;  // readable, or hung up: read() will tell
        if (n < 0 && errno != EINTR) return false;
    }
}

int Shell::error(const std::string& message) {
    print("% " + message + "\n");
    return kCommandError;
}

int Shell::fail(const mics::Reply& r) {
    if (r.code == "transport") return kCommandError;  // already reported
    if (r.code == "invalid" || r.code == "apply_failed")
        return error("Configuration failed: " + r.message);
    return error(r.message.empty() ? r.code : r.message);
}

bool Shell::wants_json() const {
    for (const std::string& stage : pipes_) {
        auto toks = tokenize(stage);
        if (!toks.empty() && pipe_stage(toks[0].text) == "json") return true;
    }
    return false;
}

void Shell::emit(const std::string& text, const std::string& data_json) {
    // One pass of the streaming filters over the whole text: a single-reply
    // show and a paged dump go through the same pipe stages.
    stream_begin();
    if (stream_json_) {
        json d = json::parse(data_json, nullptr, false);
        print((d.is_discarded() ? json(nullptr) : d).dump(2) + "\n");
        stream_.clear();
        return;
    }
    stream_lines(text, {});
    stream_end();
}

struct Shell::StreamStage {
    std::string name;
    std::regex re;
    bool begun = false, in_section = false;
    std::size_t count = 0;  // `count`: lines that reached it
};

void Shell::stream_begin() {
    stream_.clear();
    stream_json_ = false;
    stream_first_ = true;
    for (const std::string& stage : pipes_) {
        auto toks = tokenize(stage);
        std::string name = pipe_stage(toks[0].text);
        if (name == "json") {
            stream_json_ = true;  // the data, not the text: earlier stages do not apply
            return;
        }
        std::string re = toks.size() > 1 ? stage.substr(toks[1].offset) : "";
        stream_.push_back(std::make_shared<StreamStage>(StreamStage{name, std::regex(re, std::regex::ECMAScript)}));
    }
}

// Runs one line through the stages from `i` on; a kept line is appended to out.
void Shell::stream_line(const std::string& l, std::size_t i, std::string& out) {
    for (; i < stream_.size(); ++i) {
        StreamStage& st = *stream_[i];
        if (st.name == "count") {
            ++st.count;  // its own line goes on in stream_end()
            return;
        }
        bool hit = std::regex_search(l, st.re), keep = true;
        if (st.name == "include") keep = hit;
        else if (st.name == "exclude") keep = !hit;
        else if (st.name == "begin") keep = (st.begun = st.begun || hit);
        else if (st.name == "section") {
            if (l.empty() || l[0] != ' ') st.in_section = hit;
            keep = st.in_section;
        }
        if (!keep) return;
    }
    out += l + "\n";
}

bool Shell::stream_lines(const std::string& text, const std::vector<std::string>& items_json) {
    std::string out;
    if (stream_json_) {
        for (const auto& it : items_json) {
            out += (stream_first_ ? "[\n  " : ",\n  ") + it;
            stream_first_ = false;
        }
    } else {
        std::istringstream in(text);
        for (std::string l; std::getline(in, l);) stream_line(l, 0, out);
    }
    if (!out.empty()) print(out);
    return !pager_.stopped();
}

void Shell::stream_end() {
    std::string out;
    if (stream_json_) {
        out = stream_first_ ? "[]\n" : "\n]\n";
    } else {
        // Each `count` stage ends by passing its one line to the stages after it.
        for (std::size_t i = 0; i < stream_.size(); ++i)
            if (stream_[i]->name == "count")
                stream_line("Number of lines which match regexp = " + std::to_string(stream_[i]->count), i + 1, out);
    }
    if (!out.empty()) print(out);
    stream_.clear();
}

std::string Shell::read_secret(const std::string& prompt) {
    if (script_) {
        // Scripts and exec channels feed secrets as the next input line.
        std::string s;
        if (!std::getline(*script_, s)) return {};
        if (!s.empty() && s.back() == '\r') s.pop_back();
        return s;
    }
    // Echo off before the prompt appears, and without TCSAFLUSH: a client
    // (expect, a paste) that answers as soon as it sees the prompt must have
    // its answer neither echoed nor thrown away.
    termios old{};
    bool tty = ::tcgetattr(0, &old) == 0;
    if (tty) {
        termios t = old;
        t.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(0, TCSANOW, &t);
    }
    print(prompt);
    std::string s;
    char c;
    // An unattended password prompt is still an idle session.
    while (wait_input() && ::read(0, &c, 1) == 1 && c != '\n' && c != '\r') {
        if (s.size() < 256) s.push_back(c);
    }
    if (tty) ::tcsetattr(0, TCSANOW, &old);
    if (idle_expired_) return {};
    print("\n");
    return s;
}

void Shell::print_caret(std::size_t col, const std::string& message) {
    // One-shot commands have no echoed prompt line for the caret to point into.
    if (!opt_.interactive && !opt_.echo) print(current_raw_ + "\n");
    print(std::string(col, ' ') + "^\n" + message + "\n");
}

// History (arrows, `show history`) keeps lines as typed, except that a line
// the grammar accepts with a secret argument is kept masked, like the audit
// trail. A refused line stays as typed so it can be recalled and fixed.
std::string Shell::history_form(const std::string& line) const {
    Match m = g_.parse(line, mode_, privilege_);
    bool secret = m.status == Match::ok && m.masked_line.find("***") != std::string::npos;
    return secret ? m.masked_line : line;
}

void Shell::audit_refused(const std::string& line, const std::string& result) {
    json a = {{"line", g_.redact_refused(std::string_view(line).substr(0, 1024))}, {"result", result}};
    client_.call("audit.record", a.dump());
}

int Shell::execute(const std::string& line, std::size_t caret_base) {
    bool top = depth_ == 0;
    if (top) {
        // Interactive history is readline's (added as the line is entered).
        if (!opt_.interactive && !tokenize(line).empty()) {
            if (script_history_.size() >= 500) script_history_.erase(script_history_.begin());
            script_history_.push_back(history_form(line.substr(0, 4096)));
        }
        // Each command's output starts a fresh page; size re-read for a resized window.
        int len = terminal_length();
        paging_ = opt_.interactive && len > 0;
        if (paging_) pager_.reset(len, detect_term_size().cols);
    }
    ++depth_;
    int rc = run_line(line, caret_base);
    --depth_;
    if (top) paging_ = false;
    last_status_ = rc;
    current_line_.clear();
    pipes_.clear();
    return last_status_;
}

int Shell::run_line(const std::string& raw, std::size_t caret_base) {
    if (raw.size() > 4096) return error("Line too long (4096 characters at most)");
    auto toks = tokenize(raw);
    if (toks.empty() || toks[0].text[0] == '!') return kOk;  // blank or comment
    current_raw_ = raw;

    // Split off "| stage ..." filters, unless the command hands its whole
    // rest of line to another command ("do show run | include host").
    std::string line = raw;
    pipes_.clear();
    Match whole = g_.parse(raw, mode_, privilege_);
    bool raw_line = whole.status == Match::ok && whole.cmd->raw_line;
    for (std::size_t i = 0; !raw_line && i < toks.size(); ++i) {
        if (toks[i].text != "|") continue;
        line = raw.substr(0, toks[i].offset);
        std::string rest = raw.substr(toks[i].offset + 1);
        std::size_t base = toks[i].offset + 1;
        std::size_t start = 0;
        for (;;) {
            std::size_t bar = rest.find(" | ", start);
            std::string stage = rest.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
            auto st = tokenize(stage);
            std::string name = st.empty() ? "" : pipe_stage(st[0].text);
            if (name.empty()) {
                std::size_t at = base + start + (st.empty() ? 0 : st[0].offset);
                print_caret(caret_base + at, "% Invalid input detected at '^' marker.");
                audit_refused(raw, "parse error");
                return kParseError;
            }
            bool needs_re = name != "count" && name != "json";
            if (needs_re != (st.size() > 1)) {
                print(needs_re ? "% Incomplete command.\n" : "% Invalid input detected at '^' marker.\n");
                return kParseError;
            }
            if (needs_re) {
                std::string re = stage.substr(st[1].offset);
                try {
                    std::regex check(re.substr(0, 256), std::regex::ECMAScript);
                } catch (const std::regex_error&) {
                    return error("Invalid regular expression: " + re);
                }
            }
            pipes_.push_back(stage);
            if (bar == std::string::npos) break;
            start = bar + 3;
        }
        break;
    }

    Match m = g_.parse(line, mode_, privilege_);
    if (m.status != Match::ok && m.status != Match::empty && is_submode(mode_)) {
        // As on IOS, a line the sub-mode does not know but its parent does
        // leaves the sub-mode and runs there ("ip route ..." after an interface block).
        Mode parent = mode_info(mode_).parent;
        Match pm = g_.parse(line, parent, privilege_);
        if (pm.status == Match::ok) {
            current_line_ = pm.masked_line;
            if (int rc = enter_mode(parent); rc != kOk) return rc;
            m = pm;
        }
    }
    switch (m.status) {
        case Match::empty: return kOk;
        case Match::invalid:
            print_caret(caret_base + m.error_offset, "% Invalid input detected at '^' marker.");
            audit_refused(raw, "parse error");
            return kParseError;
        case Match::incomplete:
            print("% Incomplete command.\n");
            audit_refused(raw, "incomplete");
            return kParseError;
        case Match::ambiguous:
            print("% Ambiguous command: \"" + m.word + "\"\n");
            audit_refused(raw, "ambiguous");
            return kParseError;
        case Match::ok: break;
    }
    if (!pipes_.empty() && !m.cmd->pipes) {
        print("% Output modifiers are only available on show commands\n");
        return kParseError;
    }
    current_line_ = m.masked_line;
    try {
        return m.cmd->fn(*this, m.args);
    } catch (const std::exception& e) {
        return error(std::string("Internal error: ") + e.what());
    }
}

// ---- script / one-shot ------------------------------------------------------

int Shell::run_stream(std::istream& in) {
    script_ = &in;
    int first_error = kOk;
    for (std::string line; !exit_ && std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::string p = prompt();
        if (opt_.echo) print(p + line + "\n");
        int rc = execute(line, opt_.echo ? p.size() : 0);
        if (rc != kOk && first_error == kOk) first_error = rc;
        if (rc != kOk && !opt_.continue_on_error) break;
    }
    script_ = nullptr;
    return first_error;
}

// ---- interactive ------------------------------------------------------------

void Shell::on_line(char* line) {
    if (!line) {  // Ctrl-D on an empty line: log out, like "exit" from EXEC
        print("\n");
        exit_ = true;
        return;
    }
    std::string s(line);
    std::free(line);
    if (!tokenize(s).empty()) add_history(history_form(s).c_str());
    rl_callback_handler_remove();
    execute(s, prompt().size());
    // Picks up a changed "timeout" (and privilege / host name) at once.
    if (!exit_) refresh();
    if (!exit_) rl_callback_handler_install(prompt().c_str(), rl_line_cb);
}

int Shell::on_help_key() {
    std::string upto(rl_line_buffer, std::size_t(rl_point));
    std::vector<HelpItem> items;
    std::size_t err = 0;
    std::string out = "?\n";
    if (!g_.help(upto, mode_, privilege_, items, err)) {
        out += std::string(prompt().size() + err, ' ') + "^\n% Invalid input detected at '^' marker.\n";
    } else {
        std::size_t w = 0;
        for (const auto& it : items) w = std::max(w, it.token.size());
        bool partial = !upto.empty() && upto.back() != ' ';
        for (const auto& it : items) {
            if (partial) out += it.token + "  ";
            else out += "  " + it.token + std::string(w - it.token.size() + 2, ' ') + it.help + "\n";
        }
        if (partial) out += "\n";
    }
    print(out);
    rl_on_new_line();
    rl_redisplay();
    return 0;
}

char** Shell::on_complete(const char*, int, int) {
    rl_attempted_completion_over = 1;  // never fall back to file names
    std::string upto(rl_line_buffer, std::size_t(rl_point));
    static std::vector<std::string> matches;
    matches = g_.complete(upto, mode_, privilege_);
    if (matches.empty()) return nullptr;
    return rl_completion_matches("", [](const char*, int state) -> char* {
        static std::size_t i;
        if (state == 0) i = 0;
        return i < matches.size() ? strdup(matches[i++].c_str()) : nullptr;
    });
}

int Shell::run_interactive() {
    g_shell = this;
    if (::pipe(g_sigpipe) != 0) return kCommandError;
    struct sigaction sa{};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);

    rl_catch_signals = 0;
    // Bracketed paste wraps every prompt in escape sequences; expect scripts and
    // terminal loggers need the prompt as plain text.
    rl_variable_bind("enable-bracketed-paste", "off");
    rl_readline_name = "sentry";
    rl_attempted_completion_function = rl_complete_cb;
    rl_completer_word_break_characters = const_cast<char*>(" \t");
    rl_bind_key('?', rl_help_cb);
    rl_bind_key(26, rl_ctrl_z_cb);
    stifle_history(500);
    // Ctrl-Z means "end" here, so the terminal must hand it over as a key
    // instead of turning it into SIGTSTP (readline keeps ISIG on).
    termios saved{};
    bool have_tty = ::tcgetattr(0, &saved) == 0;
    if (have_tty) {
        termios t = saved;
        t.c_cc[VSUSP] = _POSIX_VDISABLE;
        ::tcsetattr(0, TCSANOW, &t);
    }
    rl_callback_handler_install(prompt().c_str(), rl_line_cb);

    auto last_key = Clock::now();
    while (!exit_) {
        pollfd p[2] = {{0, POLLIN, 0}, {g_sigpipe[0], POLLIN, 0}};
        int ms = idle_ms();
        int left = -1;
        if (ms >= 0) {
            auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_key).count();
            if (idle >= ms) {
                idle_expired();
                break;
            }
            left = static_cast<int>(ms - idle);
        }
        int n = ::poll(p, 2, left);
        if (n < 0 && errno != EINTR) break;
        if (n == 0) continue;  // the idle check above decides
        if (p[1].revents & POLLIN) {
            char buf[16];
            [[maybe_unused]] auto r = ::read(g_sigpipe[0], buf, sizeof buf);
        }
        if (g_sigint) {
            // Ctrl-C abandons the line being typed.
            g_sigint = 0;
            last_key = Clock::now();
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_replace_line("", 0);
            print("^C\n");
            rl_on_new_line();
            rl_redisplay();
            continue;
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            rl_callback_read_char();
            last_key = Clock::now();  // after the command it may have run, too
        }
    }
    rl_callback_handler_remove();
    if (have_tty) {
        termios t{};
        if (::tcgetattr(0, &t) == 0) {
            t.c_cc[VSUSP] = saved.c_cc[VSUSP];
            ::tcsetattr(0, TCSANOW, &t);
        }
    }
    // Timing out is the normal end of an unattended session, not an error.
    return idle_expired_ ? kOk : last_status_;
}

}  // namespace cli
