#include "tools/coordsh/words.h"

namespace coord::coordsh {

Result<std::vector<Words>> SplitCommands(std::string_view text) {
  std::vector<Words> commands;
  Words current;
  std::string word;
  bool in_word = false;  // a word has started (even an empty quoted one)
  auto end_word = [&] {
    if (in_word) current.push_back(std::move(word));
    word.clear();
    in_word = false;
  };
  auto end_command = [&] {
    end_word();
    if (!current.empty()) commands.push_back(std::move(current));
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return Status(Code::kBadArguments, "a trailing backslash");
      word += text[++i];
      in_word = true;
    } else if (c == '\'' || c == '"') {
      const char quote = c;
      in_word = true;
      bool closed = false;
      while (++i < text.size()) {
        if (text[i] == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) ++i;
        word += text[i];
      }
      if (!closed)
        return Status(Code::kBadArguments, std::string("an unterminated ") + quote + " quote");
    } else if (c == '#' && !in_word) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == ';' || c == '\n') {
      end_command();
    } else if (c == ' ' || c == '\t' || c == '\r') {
      end_word();
    } else {
      word += c;
      in_word = true;
    }
  }
  end_command();
  return commands;
}

std::string QuoteWord(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '#' || c == '\'' || c == '"' ||
        c == '\\') {
      plain = false;
    }
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace coord::coordsh
