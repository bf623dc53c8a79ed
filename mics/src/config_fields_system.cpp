// System subtree: host name and CLI idle timeout.
#include "config_fields.hpp"

namespace micsd::model {


void add_system_fields(std::vector<Field>& v) {
    v.push_back({{"system.hostname", "string", "Appliance host name (FQDN)", std::string("sentry")},
                 0, 0,
                 [](const Value& x) {
                     return valid_hostname(std::get<std::string>(x))
                                ? std::string()
                                : std::string("must be a host name of letters, digits, '-' and '.' (max 253)");
                 },
                 [](const Value& x) { return "hostname " + std::get<std::string>(x); }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"hostname", nullptr}, 2)) return std::nullopt;
        return w[1];
    };
    v.push_back({{"system.cli.timeout", "int", "CLI idle session timeout in minutes (0 = never)", 10LL},
                 0, 35791, nullptr,
                 [](const Value& x) { return "timeout " + std::to_string(std::get<long long>(x)); }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"timeout", nullptr}, 2)) return std::nullopt;
        return int_or_word(w[1]);
    };
}

}  // namespace micsd::model
