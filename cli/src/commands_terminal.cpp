// Per-session terminal settings and what the session itself shows: terminal
// length / width (never saved config, as on IOS), show terminal, show history.
#include "command_util.hpp"

namespace cli {

using nlohmann::json;

namespace {

constexpr const char* kTerminalHelp = "Set terminal line parameters\n";
constexpr const char* kLengthHelp = "Set number of lines on a screen\n";
constexpr const char* kWidthHelp = "Set width of the display terminal\n";

int do_show_terminal(Shell& sh, const Args&) {
    int len = sh.terminal_length(), width = sh.terminal_width();
    int override_s = sh.options().idle_seconds_override;
    std::string idle;
    json data = {{"length", len}, {"width", width}, {"idle_timeout_min", sh.idle_timeout_min()}};
    if (override_s >= 0) {
        idle = std::to_string(override_s) + " seconds (SENTRY_CLI_IDLE_SECONDS test override)";
        data["idle_timeout_s"] = override_s;
    } else if (sh.idle_timeout_min() == 0) {
        idle = "never";
    } else {
        idle = std::to_string(sh.idle_timeout_min()) + " minutes";
    }
    std::string text = "Length: " + std::to_string(len) + " lines, Width: " + std::to_string(width) + " columns\n" +
                       "Idle timeout: " + idle + "\n";
    sh.emit(text, data.dump());
    return kOk;
}

int do_show_history(Shell& sh, const Args&) {
    std::string text;
    json data = json::array();
    for (const auto& line : sh.history()) {
        text += "  " + line + "\n";
        data.push_back(line);
    }
    sh.emit(text, data.dump());
    return kOk;
}

}  // namespace

void register_terminal_commands(Grammar& g) {
    const std::string t = kTerminalHelp;
    g.add({"terminal length (0-512)$lines", t + kLengthHelp + "Number of lines on screen (0 for no pausing)\n", kExec,
           1,
           [](Shell& sh, const Args& a) {
               sh.set_terminal_length(static_cast<int>(a.num("lines")));
               return kOk;
           },
           false,
           "Set the lines per screen for this session; output pauses at --More-- after one screen "
           "(0 = never pause). Not saved in the configuration."});
    g.add({"terminal no length", t + kNoHelp + kLengthHelp, kExec, 1,
           [](Shell& sh, const Args&) {
               sh.set_terminal_length(-1);
               return kOk;
           },
           false, "Follow the terminal's own window size again."});
    g.add({"terminal width (0-512)$columns",
           t + kWidthHelp + "Number of characters on a screen line (0 = do not wrap)\n", kExec, 1,
           [](Shell& sh, const Args& a) {
               sh.set_terminal_width(static_cast<int>(a.num("columns")));
               return kOk;
           },
           false, "Set the characters per line for this session (recorded and shown; output is not re-wrapped yet)."});
    g.add({"terminal no width", t + kNoHelp + kWidthHelp, kExec, 1,
           [](Shell& sh, const Args&) {
               sh.set_terminal_width(-1);
               return kOk;
           },
           false, "Follow the terminal's own window width again."});

    const std::string sh = kShowHelp;
    g.add({"show terminal", sh + "Terminal line settings of this session\n", kExec, 1, do_show_terminal, true,
           "Show this session's screen length and width and the CLI idle timeout."});
    g.add({"show history", sh + "Commands entered in this session\n", kExec, 1, do_show_history, true,
           "List the commands entered in this session, oldest first."});
}

}  // namespace cli
