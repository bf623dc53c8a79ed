// General show commands.
#include "command_util.hpp"

#include <cctype>

namespace cli {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "interface GigabitEthernet2" -> "interface gigabitethernet 2": the number
// glued to a word (the UI spelling) written as the rendered text has it.
std::string spaced(const std::string& words) {
    std::string out;
    for (const auto& t : tokenize(words)) {
        std::string w = lower(t.text);
        std::size_t d = w.size();
        while (d > 0 && std::isdigit(static_cast<unsigned char>(w[d - 1]))) --d;
        if (!out.empty()) out.push_back(' ');
        out.append(w, 0, d);
        if (d > 0 && d < w.size() && std::isalpha(static_cast<unsigned char>(w[d - 1]))) out.push_back(' ');
        out.append(w, d, std::string::npos);
    }
    return out;
}

// Keeps the top-level lines that start with the section words (whole words)
// and the indented lines of their sub-mode sections.
std::string section_filter(const std::string& text, const std::string& section) {
    std::string want = spaced(section);
    std::string out;
    bool in = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        if (line.empty() || line[0] != ' ') {
            std::string l = spaced(line);
            in = l.compare(0, want.size(), want) == 0 && (l.size() == want.size() || l[want.size()] == ' ');
        }
        if (in) out += line + "\n";
    }
    return out;
}

// A large configuration is sent once, as text or as data (`| json`), so
// its reply stays well inside the 1 MiB frame.
nlohmann::json config_args(const Shell& s, const char* what, bool all) {
    bool json = s.wants_json();
    return {{"what", what}, {"all", all}, {"text", !json}, {"data", json}};
}

int show_running(Shell& s, const Args& a) {
    if (!a.has("section")) return show(s, config_args(s, "running-config", a.has("all")));
    mics::Reply r = s.call("show", config_args(s, "running-config", a.has("all")).dump());
    if (!r.ok) return s.fail(r);
    nlohmann::json d = nlohmann::json::parse(r.data, nullptr, false);
    if (!d.is_object()) d = nlohmann::json::object();
    std::string text = section_filter(d.value("text", ""), a.str("section"));
    s.emit(text, d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

}  // namespace

void register_show_commands(Grammar& g) {
    const std::string sh = kShowHelp;
    g.add({"show running-config [all] [LINE$section]",
           sh + "Current operating configuration\nInclude default values\n"
                "Only the lines (and sections) starting with these words\n",
           kExec, 1, show_running, true,
           "Show the running configuration rendered from MICS's data (defaults omitted unless 'all'); with words "
           "after it, only the top-level lines starting with them and their sub-mode sections: 'show running-config "
           "interface GigabitEthernet 2', 'show running-config ip route'."});
    g.add({"show startup-config", sh + "Configuration loaded at boot\n", kExec, 15,
           [](Shell& s, const Args&) { return show(s, config_args(s, "startup-config", false)); }, true,
           "Show the configuration saved by 'write memory'."});
    g.add({"show version", sh + "Software version, build and uptime\n", kExec, 1,
           [](Shell& s, const Args&) { return show(s, {{"what", "version"}}); }, true,
           "Show product name, version, build date and uptime."});
}

}  // namespace cli
