#include "check.hpp"

#include "command_util.hpp"

#include <istream>
#include <ostream>
#include <string>

namespace cli {

CheckResult check_config(std::istream& in, std::ostream& err, const Grammar& g) {
    CheckResult r;
    std::size_t n = 0;
    Mode mode = kConfig;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto toks = tokenize(line);
        if (toks.empty() || toks[0].text[0] == '!') continue;
        ++r.lines;
        // Sub-mode sections as the shell runs them: the entering command opens
        // one, "end"/"exit" or a line only the parent knows closes it.
        Match m = g.parse(line, mode, 15);
        if (m.status != Match::ok && is_submode(mode)) {
            Match pm = g.parse(line, mode_info(mode).parent, 15);
            if (pm.status == Match::ok) {
                mode = mode_info(mode).parent;
                m = pm;
            }
        }
        if (m.status == Match::ok && m.cmd->text_complete) {
            // The following lines belong to this command (a banner's text),
            // not to the grammar; as many as the shell would read.
            std::string text = m.args.str("text");
            const std::size_t first = n;
            for (std::size_t k = 0; !m.cmd->text_complete(text); ++k) {
                std::string more;
                if (k >= kMaxBannerLines || !std::getline(in, more)) {
                    ++r.errors;
                    err << "line " << first << ": % text not closed by its delimiter: " << line << '\n';
                    return r;
                }
                ++n;
                if (!more.empty() && more.back() == '\r') more.pop_back();
                text += "\n" + more;
            }
            continue;
        }
        if (m.status == Match::ok) {
            if (m.cmd->enters) mode = m.cmd->enters;
            else if (is_submode(mode) && (m.cmd->syntax == "end" || m.cmd->syntax == "exit"))
                mode = mode_info(mode).parent;
        }
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
