#include "check.hpp"

#include <istream>
#include <ostream>
#include <string>

namespace cli {

CheckResult check_config(std::istream& in, std::ostream& err, const Grammar& g) {
    CheckResult r;
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto toks = tokenize(line);
        if (toks.empty() || toks[0].text[0] == '!') continue;
        ++r.lines;
        Match m = g.parse(line, kConfig, 15);
        const char* what = nullptr;
        switch (m.status) {
            case Match::ok:
            case Match::empty: break;
            case Match::invalid: what = "invalid input"; break;
            case Match::incomplete: what = "incomplete command"; break;
            case Match::ambiguous: what = "ambiguous command"; break;
        }
        if (!what) continue;
        ++r.errors;
        err << "line " << n << ": % " << what << " at column " << (m.error_offset + 1) << ": " << line << '\n';
    }
    return r;
}

}  // namespace cli
