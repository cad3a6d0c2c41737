#include "tools/coordsh/render.h"

#include <gtest/gtest.h>

namespace coord::coordsh {
namespace {

TEST(RenderTest, BinaryDataNeverReachesTheTerminalRaw) {
  EXPECT_EQ(RenderData("hello\tworld\n", DataFormat::kAuto), "hello\tworld\n");
  EXPECT_EQ(RenderData("h\xc3\xa9llo", DataFormat::kAuto), "h\xc3\xa9llo") << "UTF-8 is text";
  EXPECT_EQ(RenderData(std::string("\x1b[2J", 4), DataFormat::kAuto), "0x1b5b324a")
      << "an escape sequence is shown as hex";
  EXPECT_EQ(RenderData(std::string("\xc2\x9b", 2), DataFormat::kAuto), "0xc29b") << "C1 control";
  EXPECT_EQ(RenderData(std::string("\xff\xfe", 2), DataFormat::kAuto), "0xfffe") << "not UTF-8";
  EXPECT_EQ(RenderData(std::string("\x00\x01", 2), DataFormat::kBase64), "AAE=");
  EXPECT_EQ(RenderData("text", DataFormat::kHex), "0x74657874");
}

TEST(RenderTest, AclSyntaxRoundTripsAndBadEntriesAreNamed) {
  Result<AclList> acl = ParseAcl("world:anyone:r,digest:bob:abc=:crwda,ip:10.0.0.0/8:rw");
  ASSERT_TRUE(acl.ok()) << acl.status().ToString();
  ASSERT_EQ(acl->size(), 3u);
  EXPECT_EQ((*acl)[1].id, "bob:abc=");
  EXPECT_EQ((*acl)[1].perms, perm::kAll);
  EXPECT_EQ(RenderAcl(*acl), "world:anyone:r,digest:bob:abc=:crwda,ip:10.0.0.0/8:rw");
  EXPECT_EQ(ParseAcl("world:anyone").status().code(), Code::kBadArguments);
  EXPECT_EQ(ParseAcl("world:anyone:rx").status().code(), Code::kBadArguments);
}

TEST(RenderTest, JsonStringsAreEscapedAndValid) {
  EXPECT_EQ(JsonString("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(JsonString(std::string("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(JsonString("\xc3\xa9"), "\"\xc3\xa9\"");
  EXPECT_EQ(JsonString(std::string("\xff", 1)), "\"\\u00ff\"");
  EXPECT_EQ(HumanBytes(12), "12 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
}

}  // namespace
}  // namespace coord::coordsh
