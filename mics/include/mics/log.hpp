// Minimal structured logging to stderr (MICS collects children's stderr into
// var/log). Never pass secrets to these functions.
#pragma once
#include <string_view>

namespace mics {

enum class LogLevel { debug, info, warning, error };

void log_init(std::string_view program);
void log(LogLevel level, std::string_view msg);
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_warn(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace mics
