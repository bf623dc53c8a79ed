#include "mics/paths.hpp"

#include <climits>
#include <cstdlib>
#include <filesystem>

namespace mics {

std::string env_or(const char* name, const std::string& def) {
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : def;
}

int env_port(const char* name, int def) {
    const char* v = std::getenv(name);
    if (!v || !*v) return def;
    char* end = nullptr;
    long p = std::strtol(v, &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) return def;
    return int(p);
}

Paths paths_from_env() {
    std::filesystem::path p = env_or("SENTRY_STATE_DIR", "./var");
    std::error_code ec;
    auto abs = std::filesystem::absolute(p, ec);
    Paths out;
    out.state = (ec ? p : abs.lexically_normal()).string();
    while (out.state.size() > 1 && out.state.back() == '/') out.state.pop_back();
    return out;
}

}  // namespace mics
