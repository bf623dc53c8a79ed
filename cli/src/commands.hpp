// The command table: every command the shell knows, as data.
#pragma once
#include "grammar.hpp"

namespace cli {

// The process-wide grammar, built once (throws std::logic_error if the table is malformed).
const Grammar& grammar();

}  // namespace cli
