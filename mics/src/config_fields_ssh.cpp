// SSH subtree: login banner (`banner login`), the session limit (`service ssh
// <n>`), SSH on/off (`no service ssh`), the port (`ip ssh port <n>`: MICS
// restarts sentry-sshd on it, app.cpp) and the pre-authentication grace time
// (`ip ssh grace-time <s>`). sentry-sshd reads the rest through `ssh.settings`.
#include "accounts.hpp"
#include "config_fields.hpp"

#include <algorithm>

namespace micsd {

namespace accounts {

namespace {

// The factory banner is our own text; `banner login dod` selects the DoD notice.
const char* kDefaultBanner =
    "Authorized use only. Activity on this system is monitored and recorded.\n"
    "Disconnect now if you are not an authorized user.";

constexpr std::size_t kMaxBanner = 4096;
constexpr std::size_t kMaxBannerLines = 100;

}  // namespace

// The Standard Mandatory DoD Notice and Consent Banner (DISA NDM SRG, the
// banner rule's check text), one paragraph per line as the SRG lays it out.
const std::string& dod_banner() {
    static const std::string text =
        "You are accessing a U.S. Government (USG) Information System (IS) that is provided for USG-authorized "
        "use only.\n"
        "\n"
        "By using this IS (which includes any device attached to this IS), you consent to the following "
        "conditions:\n"
        "-The USG routinely intercepts and monitors communications on this IS for purposes including, but not "
        "limited to, penetration testing, COMSEC monitoring, network operations and defense, personnel misconduct "
        "(PM), law enforcement (LE), and counterintelligence (CI) investigations.\n"
        "-At any time, the USG may inspect and seize data stored on this IS.\n"
        "-Communications using, or data stored on, this IS are not private, are subject to routine monitoring, "
        "interception, and search, and may be disclosed or used for any USG-authorized purpose.\n"
        "-This IS includes security measures (e.g., authentication and access controls) to protect USG "
        "interests--not for your personal benefit or privacy.\n"
        "-Notwithstanding the above, using this IS does not constitute consent to PM, LE or CI investigative "
        "searching or monitoring of the content of privileged communications, or work product, related to "
        "personal representation or services by attorneys, psychotherapists, or clergy, and their assistants. "
        "Such communications and work product are private and confidential. See User Agreement for details.";
    return text;
}

std::string check_banner(const std::string& t) {
    if (t.size() > kMaxBanner) return "longer than 4096 characters";
    if (!t.empty() && (t.front() == '\n' || t.back() == '\n')) return "must not begin or end with an empty line";
    if (t.find("^C") != std::string::npos) return "must not contain the delimiter ^C";
    if (std::count(t.begin(), t.end(), '\n') >= long(kMaxBannerLines)) return "more than 100 lines";
    for (char ch : t) {  // UTF-8 passes (RFC 4252 banners are UTF-8); control characters do not
        auto c = static_cast<unsigned char>(ch);
        if (ch != '\n' && (c < 0x20 || c == 0x7f)) return "no control characters other than line breaks";
    }
    return {};
}

std::optional<std::string> parse_banner_block(const std::string& raw) {
    std::size_t start = raw.find_first_not_of(' ');
    if (start == std::string::npos) return std::nullopt;
    std::string first_line = raw.substr(start, raw.find('\n') == std::string::npos ? std::string::npos
                                                                                   : raw.find('\n') - start);
    while (!first_line.empty() && first_line.back() == ' ') first_line.pop_back();
    if (first_line == "dod" && raw.find('\n') == std::string::npos) return dod_banner();
    std::string delim = raw.compare(start, 2, "^C") == 0 ? "^C" : raw.substr(start, 1);
    std::size_t body = start + delim.size();
    std::size_t end = raw.find(delim, body);
    if (end == std::string::npos) return std::nullopt;
    std::string text = raw.substr(body, end - body);
    // The delimiter alone at the end of the first line / start of the last
    // line does not add an empty line (the running-config form).
    if (!text.empty() && text.front() == '\n') text.erase(0, 1);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

}  // namespace accounts

namespace model {

void add_ssh_fields(std::vector<Field>& v) {
    v.push_back({{"ssh.banner", "string", "Login banner shown before authentication",
                  std::string(accounts::kDefaultBanner)},
                 0, 0, [](const Value& x) { return accounts::check_banner(std::get<std::string>(x)); },
                 [](const Value& x) -> std::string {
                     const auto& t = std::get<std::string>(x);
                     if (t.empty()) return "no banner login";
                     if (t == accounts::dod_banner()) return "banner login dod";
                     return "banner login ^C\n" + t + "\n^C";
                 }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (words_are(w, {"no", "banner", "login"}, 3)) return Value(std::string());
        if (words_are(w, {"banner", "login", "dod"}, 3)) return Value(accounts::dod_banner());
        return std::nullopt;
    };
    v.back().parse_text = [](const std::string& line, const std::function<bool(std::string&)>& next_line,
                             std::optional<Value>& out) -> std::string {
        std::size_t a = line.find_first_not_of(' ');
        if (a == std::string::npos || line.compare(a, 7, "banner ") != 0) return {};
        std::size_t b = line.find_first_not_of(' ', a + 7);
        if (b == std::string::npos || line.compare(b, 5, "login") != 0 || line.size() == b + 5 ||
            line[b + 5] != ' ')
            return {};
        std::string raw = line.substr(b + 6);
        if (raw.find_first_not_of(' ') == std::string::npos) return {};
        for (std::size_t n = 0;; ++n) {
            if (auto t = accounts::parse_banner_block(raw)) {
                out = Value(*t);
                return {};
            }
            std::string more;
            if (n > accounts::kMaxBannerLines || !next_line(more))
                return "banner login: the text is not closed by its delimiter";
            raw += "\n" + more;
        }
    };
    v.push_back({{"ssh.enabled", "bool", "SSH access to the CLI", true}, 0, 0, nullptr,
                 [](const Value& x) { return std::get<bool>(x) ? "service ssh" : "no service ssh"; }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (words_are(w, {"service", "ssh"}, 2)) return Value(true);
        if (words_are(w, {"no", "service", "ssh"}, 3)) return Value(false);
        return std::nullopt;
    };
    v.push_back({{"ssh.max_sessions", "int", "Maximum concurrent SSH sessions", 5LL}, 1, 10, nullptr,
                 [](const Value& x) { return "service ssh " + std::to_string(std::get<long long>(x)); }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"service", "ssh", nullptr}, 3)) return std::nullopt;
        return int_or_word(w[2]);
    };
    // 0 = the port sentry-micsd was started with ($SENTRY_SSH_PORT: 2222 in
    // development, 22 in production), so a configuration carries no port
    // unless an administrator chose one.
    v.push_back({{"ssh.port", "int", "TCP port of SSH (0 = the port given at start)", 0LL}, 0, 65535, nullptr,
                 [](const Value& x) {
                     long long n = std::get<long long>(x);
                     return n == 0 ? std::string("no ip ssh port") : "ip ssh port " + std::to_string(n);
                 }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (words_are(w, {"no", "ip", "ssh", "port"}, 4)) return Value(0LL);
        if (!words_are(w, {"ip", "ssh", "port", nullptr}, 4)) return std::nullopt;
        return int_or_word(w[3]);
    };
    v.push_back({{"ssh.grace_time", "int", "Seconds a client has to authenticate", 60LL}, 10, 600, nullptr,
                 [](const Value& x) { return "ip ssh grace-time " + std::to_string(std::get<long long>(x)); }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"ip", "ssh", "grace-time", nullptr}, 4)) return std::nullopt;
        return int_or_word(w[3]);
    };
}

}  // namespace model
}  // namespace micsd
