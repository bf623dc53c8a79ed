// Command-line helpers shared by the daemons, so every binary reads
// "--flag value" / "--flag=value" and "--listen ADDR:PORT" the same way.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mics {

// "ADDR:PORT" or "[IPV6]:PORT"; numeric addresses only (a bind must not
// depend on DNS). Returns "" on success, else what is wrong.
std::string parse_listen(std::string_view text, std::string& addr, int& port);

// Walks flags in order. Usage:
//   FlagReader f(args);
//   while (f.next()) { if (f.flag() == "--x") { if (!f.value(x)) break; } ... }
//   if (!f.error().empty()) ...
class FlagReader {
public:
    static constexpr std::size_t kMaxValue = 4096;
    explicit FlagReader(const std::vector<std::string>& args) : args_(args) {}

    bool next();
    const std::string& flag() const { return flag_; }
    // The flag's value (inline or the next argument); false + error() if missing, empty or too long.
    bool value(std::string& out);
    // For switches: false + error() if a value was given inline.
    bool no_value();
    void fail(std::string why) { error_ = std::move(why); }
    const std::string& error() const { return error_; }

private:
    const std::vector<std::string>& args_;
    std::size_t i_ = 0;
    std::string flag_, inline_;
    bool has_inline_ = false;
    std::string error_;
};

}  // namespace mics
