#include "clients/chroot.h"

#include <gtest/gtest.h>

namespace coord::client {
namespace {

TEST(ValidatePathTest, ZooKeeperRules) {
  for (const char* ok : {"/", "/a", "/a/b", "/a.b/..c", "/a b"}) {
    EXPECT_TRUE(ValidatePath(ok, false).ok()) << ok;
  }
  for (const char* bad : {"", "a", "a/b", "/a/", "//", "/a//b", "/.", "/a/..", "/a/./b"}) {
    Status s = ValidatePath(bad, false);
    EXPECT_EQ(s.code(), Code::kBadArguments) << bad;
  }
  EXPECT_FALSE(ValidatePath(std::string("/a\0b", 4), false).ok());
  EXPECT_FALSE(ValidatePath("/a\x01", false).ok());
  // A sequential create may end with '/': the counter is the name.
  EXPECT_TRUE(ValidatePath("/a/", true).ok());
  EXPECT_TRUE(ValidatePath("/a/x-", true).ok());
  EXPECT_FALSE(ValidatePath("/a//", true).ok());
}

TEST(ChrootTest, NoChrootIsIdentity) {
  Chroot none;
  EXPECT_EQ(*none.ToServer("/a/b"), "/a/b");
  EXPECT_EQ(*none.ToServer("/"), "/");
  EXPECT_EQ(none.ToClient("/a/b"), "/a/b");
}

TEST(ChrootTest, PrefixesAndStrips) {
  Chroot app("/app");
  EXPECT_EQ(*app.ToServer("/x"), "/app/x");
  EXPECT_EQ(*app.ToServer("/"), "/app");
  EXPECT_EQ(*app.ToServer("/q/", /*sequential=*/true), "/app/q/");
  EXPECT_EQ(app.ToClient("/app/x/y"), "/x/y");
  EXPECT_EQ(app.ToClient("/app"), "/");
  // Not under the chroot: unchanged (a sibling with the same prefix included).
  EXPECT_EQ(app.ToClient("/approx"), "/approx");
  EXPECT_EQ(app.ToClient("/other"), "/other");
}

TEST(ChrootTest, BadPathsStayBad) {
  Chroot app("/app");
  // Prefixing must not turn these into valid paths.
  for (const char* bad : {"", "x", "/x/", "//"}) {
    Result<std::string> r = app.ToServer(bad);
    EXPECT_EQ(r.code(), Code::kBadArguments) << bad;
  }
}

TEST(ChrootTest, EphemeralPrefix) {
  Chroot app("/app");
  EXPECT_EQ(*app.PrefixToServer("/"), "/app/");
  EXPECT_EQ(*app.PrefixToServer("/lock-"), "/app/lock-");
  EXPECT_FALSE(app.PrefixToServer("lock").ok());
  EXPECT_EQ(*Chroot().PrefixToServer("/"), "/");
}

}  // namespace
}  // namespace coord::client
