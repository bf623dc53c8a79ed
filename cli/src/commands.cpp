// The process-wide grammar: every area registers its rows here.
#include "commands.hpp"

#include "command_util.hpp"

namespace cli {

using nlohmann::json;

int config_edit(Shell& sh, const std::string& path, const std::string& op, const json& value) {
    json e = {{"path", path}, {"op", op}};
    if (!value.is_null()) e["value"] = value;
    mics::Reply r = sh.call("config.edit", json{{"edits", json::array({e})}}.dump());
    if (!r.ok) return sh.fail(r);
    return kOk;
}

json reply_data(const mics::Reply& r) {
    json d = json::parse(r.data, nullptr, false);
    return d.is_object() || d.is_array() ? d : json::object();
}

int show(Shell& sh, const json& args) {
    mics::Reply r = sh.call("show", args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

const Grammar& grammar() {
    static const Grammar g = [] {
        Grammar g;
        register_session_commands(g);
        register_system_commands(g);
        register_network_commands(g);
        register_show_commands(g);
        register_archive_commands(g);
        register_service_commands(g);
        register_terminal_commands(g);
        register_sentry_commands(g);
        register_account_commands(g);
        register_interface_commands(g);
        register_platform_commands(g);
        register_diag_commands(g);
        register_device_commands(g);
        register_acl_commands(g);
        register_sentry_log_commands(g);
        register_logging_commands(g);
        return g;
    }();
    return g;
}

}  // namespace cli
