// Command-line options of sentryd. Parsing is pure (environment defaults are
// passed in) so it is unit-tested; main.cpp only prints and exits.
#pragma once
#include "sentryd/result.hpp"

#include <string>
#include <vector>

namespace sentryd {

struct Options {
    std::string listen_addr;  // numeric IPv4/IPv6 address, no brackets
    int listen_port = 0;
    std::string cert_file;
    std::string key_file;
    std::string control_path;
    std::string devices_file;  // persistent device list
    bool check_config = false;
    bool show_version = false;
    bool show_help = false;
};

// Defaults from $SENTRY_BIND, $SENTRY_HTTPS_PORT and $SENTRY_STATE_DIR.
Options default_options();

// Parses argv[1..]; `--flag value` and `--flag=value` are both accepted.
Result<Options> parse_options(const std::vector<std::string>& args, Options defaults);

// Parses "ADDR:PORT" or "[V6ADDR]:PORT" (numeric address, port 1..65535).
Status parse_listen(const std::string& text, std::string& addr, int& port);

std::string usage_text();
std::string version_text();

}  // namespace sentryd
