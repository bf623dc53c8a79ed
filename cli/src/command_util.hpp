// Helpers shared by the command-table files (commands_*.cpp). Internal to cli/.
#pragma once
#include "grammar.hpp"
#include "shell.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace cli {

// Shared help for keywords that start many commands (one wording everywhere).
inline constexpr const char* kShowHelp = "Show running system information\n";
inline constexpr const char* kNoHelp = "Negate a command or set its defaults\n";
inline constexpr const char* kDebugHelp = "Debugging functions\n";
inline constexpr const char* kSentryHelp = "The ActiveSync proxy\n";  // after show / debug

// One config.edit with a single edit; prints the error and returns kCommandError on failure.
int config_edit(Shell& sh, const std::string& path, const std::string& op,
                const nlohmann::json& value = nullptr);
// The data of a successful reply: an object or array, else {} (so .value() is safe).
nlohmann::json reply_data(const mics::Reply& r);
// Calls MICS "show" with args and emits {text, data} through the pipe filters.
int show(Shell& sh, const nlohmann::json& args);

// `banner login` text: "dod", or a delimiter ("^C" or the first character),
// the text and the delimiter again, over at most kMaxBannerLines more lines.
// True once raw (the rest of the first line, then '\n' + each further line)
// holds the closing delimiter. The shell and `sentry-cli --check` share it.
inline constexpr std::size_t kMaxBannerLines = 100;
bool banner_closed(const std::string& raw);

// One sentryd control op relayed by MICS op `mics_op` (sentry.query: EXEC
// views; sentry.debug: privilege 15). Prints the error and returns false on
// failure; `out` is the op's data.
bool sentryd_query(Shell& sh, const char* mics_op, const std::string& op, const nlohmann::json& args,
                   nlohmann::json& out);

// One registration function per area; grammar() calls them all in this order.
void register_session_commands(Grammar& g);
void register_system_commands(Grammar& g);
void register_network_commands(Grammar& g);
void register_show_commands(Grammar& g);
void register_archive_commands(Grammar& g);
void register_service_commands(Grammar& g);
void register_terminal_commands(Grammar& g);
void register_sentry_commands(Grammar& g);
void register_account_commands(Grammar& g);
void register_interface_commands(Grammar& g);
void register_platform_commands(Grammar& g);
void register_diag_commands(Grammar& g);
void register_device_commands(Grammar& g);
void register_acl_commands(Grammar& g);
void register_sentry_log_commands(Grammar& g);
void register_logging_commands(Grammar& g);

}  // namespace cli
