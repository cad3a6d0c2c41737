#include "coord/tree/path.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace coord {
namespace {

// The message of an invalid path, after checking that it is kInvalidPath.
std::string Why(std::string_view path) {
  Status s = ValidatePath(path);
  EXPECT_EQ(s.code(), Code::kInvalidPath) << "path accepted: " << std::string(path);
  return s.message();
}

TEST(ValidatePathTest, AcceptsRootAndOrdinaryPaths) {
  for (const char* path : {"/", "/a", "/a/b/c", "/zookeeper", "/a-b_c.d", "/a/.b", "/a/..b",
                           "/a/b..", "/...", "/ a", "/a b/c d", "/0000000001"}) {
    EXPECT_TRUE(ValidatePath(path).ok()) << path << ": " << ValidatePath(path).ToString();
  }
}

TEST(ValidatePathTest, AcceptsValidUnicode) {
  // 2-, 3- and 4-byte sequences, including the largest code point U+10FFFF and U+FFFD.
  for (const char* path :
       {"/caf\xc3\xa9", "/\xe6\x97\xa5\xe6\x9c\xac", "/\xf0\x9f\x98\x80", "/\xf4\x8f\xbf\xbf",
        "/\xef\xbf\xbd", "/\xc2\xa0", "/\xed\x9f\xbf", "/\xee\x80\x80"}) {
    EXPECT_TRUE(ValidatePath(path).ok()) << ValidatePath(path).ToString();
  }
}

TEST(ValidatePathTest, EmptyPath) { EXPECT_NE(Why("").find("is empty"), std::string::npos); }

TEST(ValidatePathTest, RelativePath) {
  EXPECT_NE(Why("a/b").find("must start with '/'"), std::string::npos);
  EXPECT_NE(Why("a").find("must start with '/'"), std::string::npos);
  EXPECT_NE(Why(".").find("must start with '/'"), std::string::npos);
}

TEST(ValidatePathTest, TrailingSlash) {
  EXPECT_NE(Why("/a/").find("must not end with '/'"), std::string::npos);
  EXPECT_NE(Why("/a/b/").find("must not end with '/'"), std::string::npos);
  EXPECT_NE(Why("//").find("must not end with '/'"), std::string::npos);
}

TEST(ValidatePathTest, EmptyComponent) {
  EXPECT_NE(Why("//a").find("empty component"), std::string::npos);
  EXPECT_NE(Why("/a//b").find("empty component"), std::string::npos);
  EXPECT_NE(Why("/a/b//c").find("empty component"), std::string::npos);
}

TEST(ValidatePathTest, DotComponents) {
  EXPECT_NE(Why("/.").find("'.' component"), std::string::npos);
  EXPECT_NE(Why("/a/./b").find("'.' component"), std::string::npos);
  EXPECT_NE(Why("/a/.").find("'.' component"), std::string::npos);
  EXPECT_NE(Why("/..").find("'..' component"), std::string::npos);
  EXPECT_NE(Why("/a/../b").find("'..' component"), std::string::npos);
  EXPECT_NE(Why("/a/..").find("'..' component"), std::string::npos);
  // "." is not reported as "..".
  EXPECT_EQ(Why("/a/./b").find("'..'"), std::string::npos);
}

TEST(ValidatePathTest, NulCharacter) {
  const std::string path("/a\0b", 4);
  const std::string why = Why(path);
  EXPECT_NE(why.find("NUL character at byte 2"), std::string::npos) << why;
  // The NUL is not echoed raw into the message.
  EXPECT_EQ(why.find('\0'), std::string::npos);
  EXPECT_NE(Why(std::string("/\0", 2)).find("NUL"), std::string::npos);
}

TEST(ValidatePathTest, ControlCharacters) {
  for (char c : {'\x01', '\t', '\n', '\r', '\x1b', '\x1f', '\x7f'}) {
    const std::string path = std::string("/ab") + c + "d";
    const std::string why = Why(path);
    EXPECT_NE(why.find("control character at byte 3"), std::string::npos)
        << static_cast<int>(c) << ": " << why;
    EXPECT_EQ(why.find(c), std::string::npos) << "control character echoed";
  }
  // C1 controls (U+0080..U+009F) are control characters too (ZooKeeper rejects them as well).
  EXPECT_NE(Why("/a\xc2\x80").find("control character at byte 2"), std::string::npos);
  EXPECT_NE(Why("/a\xc2\x85").find("control character at byte 2"), std::string::npos);
  EXPECT_NE(Why("/a\xc2\x9f").find("control character at byte 2"), std::string::npos);
}

TEST(ValidatePathTest, InvalidUtf8) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"/a\x80", 2},                 // lone continuation byte
      {"/a\xbf", 2},                 // lone continuation byte
      {"/\xc3", 1},                  // truncated 2-byte sequence at the end
      {"/\xc3x", 1},                 // 2-byte lead followed by ASCII
      {"/\xe6\x97", 1},              // truncated 3-byte sequence
      {"/\xf0\x9f\x98", 1},          // truncated 4-byte sequence
      {"/\xc0\xaf", 1},              // overlong '/'
      {"/\xc1\xbf", 1},              // overlong 2-byte
      {"/\xe0\x80\xaf", 1},          // overlong 3-byte
      {"/\xf0\x80\x80\xaf", 1},      // overlong 4-byte
      {"/ab\xed\xa0\x80", 3},        // surrogate U+D800
      {"/\xed\xbf\xbf", 1},          // surrogate U+DFFF
      {"/\xf4\x90\x80\x80", 1},      // above U+10FFFF
      {"/\xf8\x88\x80\x80\x80", 1},  // 5-byte form
      {"/\xfe", 1},                  // never valid in UTF-8
      {"/\xff", 1},                  // never valid in UTF-8
      {"/ok/\xe6\x97\xa5\xff", 7},   // valid then invalid: the offset of the bad byte
  };
  for (const auto& [path, byte] : cases) {
    const std::string why = Why(path);
    EXPECT_NE(why.find("not valid UTF-8 at byte " + std::to_string(byte)), std::string::npos)
        << why;
  }
}

TEST(ValidatePathTest, LengthLimit) {
  std::string longest = "/" + std::string(kMaxPathBytes - 1, 'x');
  ASSERT_EQ(longest.size(), kMaxPathBytes);
  EXPECT_TRUE(ValidatePath(longest).ok());
  EXPECT_NE(Why(longest + "y").find("longer than 1024 bytes"), std::string::npos);
  // A long path made of many valid components is also too long.
  std::string deep;
  while (deep.size() <= kMaxPathBytes) deep += "/abc";
  EXPECT_NE(Why(deep).find("longer than"), std::string::npos);
  // The message quotes a bounded prefix, not the whole path.
  EXPECT_LT(Why(std::string(100000, '/')).size(), 400u);
}

TEST(ValidatePathTest, EveryRuleHasItsOwnMessage) {
  const std::vector<std::string> bad = {"",
                                        "a",
                                        "/a/",
                                        "/a//b",
                                        "/a/.",
                                        "/a/..",
                                        std::string("/a\0", 3),
                                        "/a\x01",
                                        "/a\xff",
                                        "/" + std::string(kMaxPathBytes, 'x')};
  std::set<std::string> reasons;
  for (const std::string& path : bad) {
    std::string why = Why(path);
    // The reason is what follows the quoted path.
    reasons.insert(why.substr(why.rfind("\": ") + 3, 12));
  }
  EXPECT_EQ(reasons.size(), bad.size());
}

TEST(PathOpsTest, ParentPath) {
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a/b/c"), "/a/b");
  EXPECT_EQ(ParentPath("/abc/def"), "/abc");
}

TEST(PathOpsTest, BaseName) {
  EXPECT_EQ(BaseName("/a"), "a");
  EXPECT_EQ(BaseName("/a/b"), "b");
  EXPECT_EQ(BaseName("/abc/def0000000001"), "def0000000001");
}

TEST(PathOpsTest, JoinPath) {
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/b", "c"), "/a/b/c");
  // Join and split are inverses.
  for (const char* path : {"/x", "/x/y", "/x/y/z"}) {
    EXPECT_EQ(JoinPath(ParentPath(path), BaseName(path)), path);
  }
}

TEST(PathOpsTest, IsAtOrBelow) {
  EXPECT_TRUE(IsAtOrBelow("/", "/"));
  EXPECT_TRUE(IsAtOrBelow("/a", "/"));
  EXPECT_TRUE(IsAtOrBelow("/a/b", "/"));
  EXPECT_TRUE(IsAtOrBelow("/a", "/a"));
  EXPECT_TRUE(IsAtOrBelow("/a/b", "/a"));
  EXPECT_TRUE(IsAtOrBelow("/a/b/c", "/a"));
  EXPECT_TRUE(IsAtOrBelow("/a/b/c", "/a/b"));
  EXPECT_FALSE(IsAtOrBelow("/ab", "/a"));
  EXPECT_FALSE(IsAtOrBelow("/ab/c", "/a"));
  EXPECT_FALSE(IsAtOrBelow("/a", "/a/b"));
  EXPECT_FALSE(IsAtOrBelow("/", "/a"));
  EXPECT_FALSE(IsAtOrBelow("/b", "/a"));
  EXPECT_FALSE(IsAtOrBelow("/a/bc", "/a/b"));
}

}  // namespace
}  // namespace coord
