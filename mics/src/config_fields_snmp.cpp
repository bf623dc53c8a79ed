// SNMP subtree: the v2c read-only community (snmpd.conf is rendered from it
// by the applier in app.cpp).
#include "config_fields.hpp"

namespace micsd::model {

void add_snmp_fields(std::vector<Field>& v) {
    v.push_back({{"snmp.community", "string", "SNMP v2c read-only community", std::string("")},
                 0, 0,
                 [](const Value& x) {
                     return printable_word(std::get<std::string>(x), 64)
                                ? std::string()
                                : std::string("must be 1-64 printable characters without spaces");
                 },
                 [](const Value& x) {
                     return "snmp-server community " + std::get<std::string>(x) + " ro";
                 }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"snmp-server", "community", nullptr, "ro"}, 4)) return std::nullopt;
        return w[2];
    };
}

}  // namespace micsd::model
