// SSH subtree: login banner and the session limit (`service ssh <n>`).
#include "config_fields.hpp"

namespace micsd::model {

namespace {

// DoD-style notice is a preset a later issue adds; the factory banner is our own text.
const char* kDefaultBanner =
    "Authorized use only. Activity on this system is monitored and recorded.\n"
    "Disconnect now if you are not an authorized user.";

}  // namespace

void add_ssh_fields(std::vector<Field>& v) {
    v.push_back({{"ssh.banner", "string", "Login banner shown before authentication", std::string(kDefaultBanner)},
                 0, 0,
                 [](const Value& x) {
                     return std::get<std::string>(x).size() <= 4096 ? std::string()
                                                                    : std::string("longer than 4096 characters");
                 },
                 nullptr /* rendered with the banner command once it exists */});
    v.push_back({{"ssh.max_sessions", "int", "Maximum concurrent SSH sessions", 5LL}, 1, 10, nullptr,
                 [](const Value& x) { return "service ssh " + std::to_string(std::get<long long>(x)); }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"service", "ssh", nullptr}, 3)) return std::nullopt;
        return int_or_word(w[2]);
    };
}

}  // namespace micsd::model
