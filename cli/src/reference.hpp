// The command reference (man/sentry-cli-commands.8, docs/cli-reference.md),
// generated from the grammar table so it cannot drift from what the shell parses.
#pragma once
#include "grammar.hpp"

#include <string>

namespace cli {

std::string reference_man(const Grammar& g);
std::string reference_markdown(const Grammar& g);

}  // namespace cli
