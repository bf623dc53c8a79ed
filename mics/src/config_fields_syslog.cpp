// Remote syslog subtree (spec #81/#82): one keyed family of destinations.
// The key/value forms and their checks live in syslog_dest.hpp, shared with
// the syslog ops and the rsyslog applier (apply_syslog.cpp).
#include "config_fields.hpp"
#include "syslog_dest.hpp"

namespace micsd::model {

void add_syslog_fields(std::vector<Field>& v) {
    Field f;
    f.info = {syslog::kFamily, "string",
              "Remote syslog destinations: [server/port/facility] -> {UDP|TCP} LEVEL {enable|disable}", std::string(),
              true};
    f.key_check = syslog::check_key;
    f.check = [](const Value& x) { return syslog::check_value(std::get<std::string>(x)); };
    f.render_entry = [](const std::string& k, const Value& x) {
        auto d = syslog::parse(k, std::get<std::string>(x));
        return d ? syslog::render_line(*d) : std::string();
    };
    f.parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        auto d = syslog::parse_line(w);
        if (!d) return std::nullopt;
        return std::make_pair(syslog::make_key(d->server, d->port, d->facility),
                              Value(syslog::make_value(d->protocol, d->level, d->enabled)));
    };
    f.key_less = syslog::key_less;
    f.max_entries = syslog::kMaxDestinations;
    v.push_back(std::move(f));
}

}  // namespace micsd::model
