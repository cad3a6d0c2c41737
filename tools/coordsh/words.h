// Splitting coordsh input into commands and words, the way a shell user expects: commands are
// separated by ';' or newlines, words by blanks; "double" and 'single' quotes group words,
// backslash escapes the next character (in double quotes too), and '#' at the start of a word
// begins a comment to the end of the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "coord/base/status.h"

namespace coord::coordsh {

using Words = std::vector<std::string>;

// kBadArguments for an unterminated quote or a trailing backslash.
Result<std::vector<Words>> SplitCommands(std::string_view text);

// Quotes a word so that SplitCommands reads it back unchanged (for completion and history).
std::string QuoteWord(std::string_view word);

}  // namespace coord::coordsh
