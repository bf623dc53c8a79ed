// Accounts subtree: local users (hash and SSH key per user), the password
// policy and the lockout settings, plus the pure account rules that go with
// them (accounts.hpp). Decisions: docs/accounts.md.
#include "accounts.hpp"
#include "config_fields.hpp"
#include "store.hpp"

#include <algorithm>
#include <cctype>

namespace micsd {

namespace accounts {

namespace {

bool is_b64(const std::string& s) {
    if (s.empty() || s.size() % 4 != 0) return false;
    std::size_t pad = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '=') {
            if (++pad > 2) return false;
            continue;
        }
        if (pad) return false;  // '=' only at the end
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
    }
    return true;
}

const char* const kKeyTypes[] = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                                 "ecdsa-sha2-nistp521", "ssh-rsa"};

}  // namespace

bool valid_username(const std::string& u) {
    if (u.empty() || u.size() > 32) return false;
    if (!(std::isalpha(static_cast<unsigned char>(u[0])) || u[0] == '_')) return false;
    return std::all_of(u.begin(), u.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

std::string check_ssh_key(const std::string& key) {
    auto sp = key.find(' ');
    if (sp == std::string::npos) return "must be '<type> <base64>'";
    std::string type = key.substr(0, sp), b64 = key.substr(sp + 1);
    if (std::find(std::begin(kKeyTypes), std::end(kKeyTypes), type) == std::end(kKeyTypes))
        return "key type must be ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa";
    if (b64.size() > 8192) return "key is longer than 8192 characters";
    if (!is_b64(b64)) return "key is not base64";
    return {};
}

bool valid_hash(const std::string& h) {
    if (h.size() < 8 || h.size() > 256 || h.rfind("$y$", 0) != 0) return false;
    return std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '$' || c == '.' || c == '/';
    });
}

std::vector<std::string> users(const Config& c) {
    std::vector<std::string> out;
    for (const auto& [k, v] : entries(c, kSecret)) out.push_back(k);
    return out;
}

std::optional<std::string> user_hash(const Config& c, const Store& st, const std::string& user) {
    if (!valid_username(user)) return std::nullopt;
    auto it = c.values.find(std::string(kSecret) + "[" + user + "]");
    if (it != c.values.end()) return std::get<std::string>(it->second);
    if (!users(c).empty()) return std::nullopt;
    return st.account_hash(user);  // no users configured: the first-boot account
}

std::optional<std::string> user_key(const Config& c, const std::string& user) {
    if (!valid_username(user)) return std::nullopt;
    auto it = c.values.find(std::string(kSshKey) + "[" + user + "]");
    if (it == c.values.end()) return std::nullopt;
    return std::get<std::string>(it->second);
}

Policy policy(const Config& c) {
    return {int(get_int(c, "password.min_length")), int(get_int(c, "password.max_length")),
            int(get_int(c, "password.classes")), int(get_int(c, "password.history"))};
}

std::string check_password(const Policy& p, const std::string& user, const std::string& pw) {
    if (pw.size() < std::size_t(p.min_length))
        return "password-policy min-length: the password must have at least " + std::to_string(p.min_length) +
               " characters";
    if (pw.size() > std::size_t(p.max_length))
        return "password-policy max-length: the password must have at most " + std::to_string(p.max_length) +
               " characters";
    bool lower = false, upper = false, digit = false, special = false;
    for (char ch : pw) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7e) return "password-policy: the password may contain printable ASCII characters only";
        if (std::islower(c)) lower = true;
        else if (std::isupper(c)) upper = true;
        else if (std::isdigit(c)) digit = true;
        else special = true;
    }
    int have = int(lower) + int(upper) + int(digit) + int(special);
    if (have < p.classes) {
        std::string missing;
        auto add = [&](bool present, const char* what) {
            if (!present) missing += std::string(missing.empty() ? "" : ", ") + what;
        };
        add(lower, "lower case");
        add(upper, "upper case");
        add(digit, "digits");
        add(special, "special characters");
        return "password-policy character-classes: the password must mix at least " + std::to_string(p.classes) +
               " of lower case, upper case, digits and special characters (it has " + std::to_string(have) +
               "; missing: " + missing + ")";
    }
    if (!user.empty() && pw.find(user) != std::string::npos)
        return "password-policy: the password must not contain the user name";
    return {};
}

LockoutPolicy lockout_policy(const Config& c) {
    return {int(get_int(c, "lockout.attempts")), get_int(c, "lockout.window") * 60,
            get_int(c, "lockout.duration") * 60};
}

std::string check_commit(const Config& from, const Config& to, const std::string& who) {
    auto before = users(from), after = users(to);
    if (!before.empty() && after.empty())
        return "cannot remove the last local user: it is the account of last resort";
    if (!who.empty() && std::find(before.begin(), before.end(), who) != before.end() &&
        std::find(after.begin(), after.end(), who) == after.end())
        return "username " + who + ": you cannot delete your own account";
    for (const auto& [k, v] : entries(to, kSshKey))
        if (std::find(after.begin(), after.end(), k) == after.end())
            return "username " + k + " ssh-key: no such user (set a secret or password first)";
    if (get_int(to, "password.min_length") > get_int(to, "password.max_length"))
        return "password-policy: min-length is greater than max-length";
    return {};
}

Config mask_secrets(const Config& c) {
    Config out = c;
    for (auto& [path, v] : out.values)
        if (path.rfind(std::string(kSecret) + "[", 0) == 0 || path.rfind(std::string(kSshKey) + "[", 0) == 0)
            v = std::string("***");
    // The UEM bearer token is a credential too (docs/device-policy.md).
    if (auto it = out.values.find("sentry.uem.token"); it != out.values.end()) it->second = std::string("***");
    // So is the SNMP v2c community: whoever reads it can poll the appliance.
    if (auto it = out.values.find("snmp.community"); it != out.values.end() && !std::get<std::string>(it->second).empty())
        it->second = std::string("***");
    return out;
}

}  // namespace accounts

namespace model {

namespace {

std::string check_user_key(const std::string& k) {
    return accounts::valid_username(k) ? std::string()
                                       : std::string("user name must be 1-32 of letters, digits, '.', '_', '-' "
                                                     "and start with a letter or '_'");
}

void int_field(std::vector<Field>& v, const char* path, const char* help, long long def, long long lo,
               long long hi, std::vector<std::string> words) {
    v.push_back({{path, "int", help, def}, lo, hi, nullptr, nullptr});
    std::string prefix;
    for (const auto& w : words) prefix += w + " ";
    v.back().render = [prefix](const Value& x) { return prefix + std::to_string(std::get<long long>(x)); };
    v.back().parse = [words](const std::vector<std::string>& w) -> std::optional<Value> {
        if (w.size() != words.size() + 1 || !std::equal(words.begin(), words.end(), w.begin())) return std::nullopt;
        return int_or_word(w.back());
    };
}

}  // namespace

void add_account_fields(std::vector<Field>& v) {
    // `username <u> secret hash <yescrypt>`: the password itself is never
    // stored or shown; viewers below privilege 15 see `secret ***`.
    v.push_back({{accounts::kSecret, "string", "Local users: [name] -> password hash (yescrypt)", std::string(), true},
                 0, 0,
                 [](const Value& x) {
                     return accounts::valid_hash(std::get<std::string>(x))
                                ? std::string()
                                : std::string("must be a yescrypt hash ($y$...)");
                 },
                 nullptr});
    v.back().key_check = check_user_key;
    v.back().render_entry = [](const std::string& k, const Value& x) {
        const auto& h = std::get<std::string>(x);
        return "username " + k + (h == "***" ? " secret ***" : " secret hash " + h);
    };
    v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"username", nullptr, "secret", "hash", nullptr}, 5)) return std::nullopt;
        return std::make_pair(w[1], Value(w[4]));
    };
    v.back().max_entries = 64;

    v.push_back({{accounts::kSshKey, "string", "SSH public key per local user: [name] -> \"<type> <base64>\"",
                  std::string(), true},
                 0, 0, [](const Value& x) { return accounts::check_ssh_key(std::get<std::string>(x)); }, nullptr});
    v.back().key_check = check_user_key;
    v.back().render_entry = [](const std::string& k, const Value& x) {
        return "username " + k + " ssh-key " + std::get<std::string>(x);
    };
    v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"username", nullptr, "ssh-key", nullptr, nullptr}, 5)) return std::nullopt;
        return std::make_pair(w[1], Value(w[3] + " " + w[4]));
    };
    v.back().max_entries = 64;

    int_field(v, "password.min_length", "Minimum password length", 8, 8, 128, {"password-policy", "min-length"});
    int_field(v, "password.max_length", "Maximum password length", 128, 8, 128, {"password-policy", "max-length"});
    int_field(v, "password.classes",
              "Character classes a password must mix (of lower, upper, digits, special)", 3, 1, 4,
              {"password-policy", "character-classes"});
    int_field(v, "password.history", "Previous passwords of an account that may not be reused", 5, 0, 24,
              {"password-policy", "history"});
    int_field(v, "lockout.attempts", "Failed logins within the window that lock an account", 3, 1, 16,
              {"password-policy", "lockout", "attempts"});
    int_field(v, "lockout.window", "Minutes in which failed logins are counted", 15, 1, 1440,
              {"password-policy", "lockout", "window"});
    int_field(v, "lockout.duration", "Minutes an account stays locked (0 = until cleared)", 15, 0, 1440,
              {"password-policy", "lockout", "time"});
}

}  // namespace model
}  // namespace micsd
