#include "clients/connect_string.h"

#include <gtest/gtest.h>

namespace coord::client {
namespace {

TEST(ConnectStringTest, OneServer) {
  Result<ConnectString> cs = ParseConnectString("127.0.0.1:2281");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  ASSERT_EQ(cs->servers.size(), 1u);
  EXPECT_EQ(cs->servers[0], (HostPort{"127.0.0.1", 2281}));
  EXPECT_EQ(cs->chroot, "");
}

TEST(ConnectStringTest, SeveralServersKeepTheirOrderAndSpacesAreTrimmed) {
  Result<ConnectString> cs = ParseConnectString("a.example:1, b.example:2 ,10.0.0.3:65535");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->servers,
            (std::vector<HostPort>{{"a.example", 1}, {"b.example", 2}, {"10.0.0.3", 65535}}));
}

TEST(ConnectStringTest, Chroot) {
  Result<ConnectString> cs = ParseConnectString("h:1,k:2/app/one");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->servers.size(), 2u);
  EXPECT_EQ(cs->chroot, "/app/one");
}

TEST(ConnectStringTest, RootChrootMeansNone) {
  Result<ConnectString> cs = ParseConnectString("h:1/");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->chroot, "");
}

TEST(ConnectStringTest, Ipv6InBrackets) {
  Result<ConnectString> cs = ParseConnectString("[::1]:2281,[fe80::1:2]:7/c");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->servers, (std::vector<HostPort>{{"::1", 2281}, {"fe80::1:2", 7}}));
  EXPECT_EQ(cs->chroot, "/c");
  EXPECT_EQ(cs->servers[0].ToString(), "[::1]:2281");
  EXPECT_EQ((HostPort{"h", 5}).ToString(), "h:5");
}

TEST(ConnectStringTest, Errors) {
  struct Case {
    const char* text;
    const char* why;  // a fragment of the message
  };
  const Case cases[] = {
      {"", "no server"},
      {"/app", "no server"},
      {"host", "missing port"},
      {"host:", "missing port"},
      {"host:0", "out of range"},
      {"host:65536", "out of range"},
      {"host:123456", "out of range"},
      {"host:12a", "not a number"},
      {":2281", "empty host"},
      {"a:1,,b:2", "empty server entry"},
      {"a:1,", "empty server entry"},
      {",a:1", "empty server entry"},
      {"::1:2281", "brackets"},
      {"[::1]", "missing port"},
      {"[::1]2281", "missing port"},
      {"[::1:2281", "unclosed"},
      {"[]:1", "empty host"},
      {"[host]:1", "IPv6"},
      {"a:1/app/", "ends with '/'"},
      {"a:1//app", "empty component"},
      {"a:1/a/../b", "relative"},
  };
  for (const Case& c : cases) {
    Result<ConnectString> cs = ParseConnectString(c.text);
    ASSERT_FALSE(cs.ok()) << c.text;
    EXPECT_EQ(cs.code(), Code::kBadArguments) << c.text;
    EXPECT_NE(cs.status().message().find(c.why), std::string::npos)
        << c.text << " -> " << cs.status().message();
  }
}

}  // namespace
}  // namespace coord::client
