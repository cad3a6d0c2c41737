#include "tools/coordsh/words.h"

#include <gtest/gtest.h>

namespace coord::coordsh {
namespace {

std::vector<Words> Split(const std::string& text) {
  Result<std::vector<Words>> r = SplitCommands(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<Words>{};
}

TEST(WordsTest, CommandsWordsQuotesEscapesAndComments) {
  EXPECT_EQ(Split("ls /a; get /b\ncreate /c 'x y'"),
            (std::vector<Words>{{"ls", "/a"}, {"get", "/b"}, {"create", "/c", "x y"}}));
  EXPECT_EQ(Split("set /a \"say \\\"hi\\\"; now\""),
            (std::vector<Words>{{"set", "/a", "say \"hi\"; now"}}));
  EXPECT_EQ(Split("create /e ''"), (std::vector<Words>{{"create", "/e", ""}}));
  EXPECT_EQ(Split("get /a # a comment; still comment\nls"),
            (std::vector<Words>{{"get", "/a"}, {"ls"}}));
  EXPECT_EQ(Split("a\\ b c#d"), (std::vector<Words>{{"a b", "c#d"}}));
  EXPECT_TRUE(Split(" ;;\n ").empty());
}

TEST(WordsTest, UnterminatedQuotesAndTrailingBackslashAreErrors) {
  EXPECT_EQ(SplitCommands("get 'x").status().code(), Code::kBadArguments);
  EXPECT_EQ(SplitCommands("get \"x").status().code(), Code::kBadArguments);
  EXPECT_EQ(SplitCommands("get x\\").status().code(), Code::kBadArguments);
}

TEST(WordsTest, QuoteWordRoundTrips) {
  for (std::string w : {"plain", "with space", "it's", "semi;colon", "#hash", "back\\slash", ""}) {
    std::vector<Words> back = Split("cmd " + QuoteWord(w));
    ASSERT_EQ(back.size(), 1u) << w;
    ASSERT_EQ(back[0].size(), 2u) << w;
    EXPECT_EQ(back[0][1], w);
  }
}

}  // namespace
}  // namespace coord::coordsh
