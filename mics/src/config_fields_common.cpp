#include "config_fields.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace micsd::model {

bool valid_hostname(const std::string& h) {
    // RFC 1123 labels, dots allowed (the reference product takes an FQDN).
    if (h.empty() || h.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        char ch = h[i];
        if (ch == '.') {
            if (label == 0 || h[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-')) return false;
        if (label == 0 && ch == '-') return false;
        if (++label > 63) return false;
    }
    return h.back() != '-' && h.back() != '.';
}

// Strict dotted quad: four decimal parts 0-255, no leading zeros, nothing else.
std::optional<std::uint32_t> ipv4(const std::string& s) {
    std::uint32_t out = 0;
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        std::size_t j = i;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        if (j == i || j - i > 3 || (j - i > 1 && s[i] == '0')) return std::nullopt;
        unsigned n = 0;
        for (std::size_t k = i; k < j; ++k) n = n * 10 + unsigned(s[k] - '0');
        if (n > 255) return std::nullopt;
        out = (out << 8) | n;
        if (part == 3) return j == s.size() ? std::optional<std::uint32_t>(out) : std::nullopt;
        if (j >= s.size() || s[j] != '.') return std::nullopt;
        i = j + 1;
    }
    return std::nullopt;
}

std::string check_index(const std::string& key, int lo, int hi) {
    if (key.size() == 1 && key[0] >= '0' + lo && key[0] <= '0' + hi) return {};
    return "index " + key.substr(0, 16) + " is out of range " + std::to_string(lo) + "-" + std::to_string(hi);
}

bool printable_word(const std::string& s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

// Parse helpers: exact keyword words, one value word at index i.
bool words_are(const std::vector<std::string>& w, std::initializer_list<const char*> kw, std::size_t total) {
    if (w.size() != total) return false;
    std::size_t i = 0;
    for (const char* k : kw) {
        if (k && w[i] != k) return false;
        ++i;
    }
    return true;
}

// An int word, or the word itself so the type check names the field.
Value int_or_word(const std::string& s) {
    long long n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size()) return s;
    return n;
}

}  // namespace micsd::model
