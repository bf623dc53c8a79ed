// General show commands.
#include "command_util.hpp"

namespace cli {

void register_show_commands(Grammar& g) {
    const std::string sh = kShowHelp;
    g.add({"show running-config [all]", sh + "Current operating configuration\nInclude default values\n", kExec, 1,
           [](Shell& s, const Args& a) { return show(s, {{"what", "running-config"}, {"all", a.has("all")}}); },
           true, "Show the running configuration rendered from MICS's data (defaults omitted unless 'all')."});
    g.add({"show startup-config", sh + "Configuration loaded at boot\n", kExec, 15,
           [](Shell& s, const Args&) { return show(s, {{"what", "startup-config"}}); }, true,
           "Show the configuration saved by 'write memory'."});
    g.add({"show version", sh + "Software version, build and uptime\n", kExec, 1,
           [](Shell& s, const Args&) { return show(s, {{"what", "version"}}); }, true,
           "Show product name, version, build date and uptime."});
}

}  // namespace cli
