// Offline syntax check of a configuration text (what `show running-config`
// prints): every line must parse in CONFIG mode. No MICS needed, so a config
// can be checked before it is imported or pasted.
#pragma once
#include "grammar.hpp"

#include <cstddef>
#include <iosfwd>

namespace cli {

struct CheckResult {
    std::size_t lines = 0;   // command lines parsed (blank and '!' lines skipped)
    std::size_t errors = 0;
};

// Writes one message per bad line ("line N: ...") to err.
CheckResult check_config(std::istream& in, std::ostream& err, const Grammar& g);

}  // namespace cli
