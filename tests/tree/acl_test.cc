#include "coord/tree/acl.h"

#include <gtest/gtest.h>

#include <string>

namespace coord {
namespace {

const char kAlice[] = "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU=";
const char kBob[] = "bob:Q9a2cXnxtdkGf3xy7KHsdYAD1/o=";

Acl World(uint32_t perms) { return Acl{perms, "world", "anyone"}; }
Acl Digest(uint32_t perms, std::string id) { return Acl{perms, "digest", std::move(id)}; }
Acl Ip(uint32_t perms, std::string id) { return Acl{perms, "ip", std::move(id)}; }
Acl Auth(uint32_t perms) { return Acl{perms, "auth", ""}; }

AuthContext As(std::vector<Identity> identities, bool superuser = false) {
  return AuthContext{std::move(identities), superuser};
}

Code CodeOf(const AclList& acl) { return ValidateAcl(acl).code(); }

TEST(ValidateAclTest, AcceptsEverySchemeInItsForm) {
  EXPECT_TRUE(ValidateAcl(OpenAcl()).ok());
  EXPECT_TRUE(ValidateAcl({World(perm::kRead)}).ok());
  EXPECT_TRUE(ValidateAcl({Digest(perm::kAll, kAlice)}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "10.1.2.3")}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "10.0.0.0/8")}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "0.0.0.0/0")}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "1.2.3.4/32")}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "::1")}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "2001:db8::/32")}).ok());
  EXPECT_TRUE(ValidateAcl({Ip(perm::kRead, "fe80::1/128")}).ok());
  EXPECT_TRUE(ValidateAcl({World(perm::kRead), Digest(perm::kAdmin, kAlice),
                           Ip(perm::kCreate | perm::kDelete, "192.168.0.0/16")})
                  .ok());
}

TEST(ValidateAclTest, EmptyList) {
  Status s = ValidateAcl({});
  EXPECT_EQ(s.code(), Code::kInvalidAcl);
  EXPECT_NE(s.message().find("empty"), std::string::npos);
}

TEST(ValidateAclTest, UnknownScheme) {
  Status s = ValidateAcl({Acl{perm::kAll, "sasl", "alice"}});
  EXPECT_EQ(s.code(), Code::kInvalidAcl);
  EXPECT_NE(s.message().find("unknown scheme"), std::string::npos) << s.message();
  EXPECT_EQ(CodeOf({Acl{perm::kAll, "", ""}}), Code::kInvalidAcl);
  EXPECT_EQ(CodeOf({Acl{perm::kAll, "World", "anyone"}}), Code::kInvalidAcl);
  // One bad entry spoils the list.
  EXPECT_EQ(CodeOf({World(perm::kRead), Acl{perm::kAll, "x509", "cn"}}), Code::kInvalidAcl);
}

TEST(ValidateAclTest, WorldId) {
  EXPECT_EQ(CodeOf({Acl{perm::kAll, "world", "everyone"}}), Code::kInvalidAcl);
  EXPECT_EQ(CodeOf({Acl{perm::kAll, "world", ""}}), Code::kInvalidAcl);
  EXPECT_NE(ValidateAcl({Acl{perm::kAll, "world", "x"}}).message().find("anyone"),
            std::string::npos);
}

TEST(ValidateAclTest, DigestIdFormat) {
  // The hash must be base64 of a SHA-1 (28 characters ending in '='): a clear password in an
  // ACL is refused, so get_acl never returns one.
  for (const char* id : {"alice", "", ":hash", "alice:", "alice:a:b", ":", "a:b",
                         "alice:secret-password", "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU",
                         "alice:XbUx6iS/3n2bZTs9b5M6XqW+3s!=", ":XbUx6iS/3n2bZTs9b5M6XqW+3sU="}) {
    EXPECT_EQ(CodeOf({Digest(perm::kAll, id)}), Code::kInvalidAcl) << id;
  }
  EXPECT_EQ(CodeOf({Digest(perm::kAll, "a:XbUx6iS/3n2bZTs9b5M6XqW+3sU=")}), Code::kOk);
}

TEST(ValidateAclTest, IpForms) {
  for (const char* id :
       {"", "10.0.0", "10.0.0.256", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/x", "10.0.0.1/-1",
        "10.0.0.1/0008", "host.example", "::1/129", "1::2::3", "10.0.0.1 ", "/8"}) {
    EXPECT_EQ(CodeOf({Ip(perm::kRead, id)}), Code::kInvalidAcl) << id;
  }
}

TEST(ValidateAclTest, BadPermissions) {
  Status none = ValidateAcl({World(0)});
  EXPECT_EQ(none.code(), Code::kInvalidAcl);
  EXPECT_NE(none.message().find("no permission"), std::string::npos);
  Status unknown = ValidateAcl({World(perm::kAll | 32)});
  EXPECT_EQ(unknown.code(), Code::kInvalidAcl);
  EXPECT_NE(unknown.message().find("unknown permission"), std::string::npos);
  EXPECT_EQ(CodeOf({World(0x80000000u)}), Code::kInvalidAcl);
}

TEST(ValidateAclTest, UnexpandedAuthIsInvalid) {
  EXPECT_EQ(CodeOf({Auth(perm::kAll)}), Code::kInvalidAcl);
}

TEST(ExpandAclTest, AuthBecomesOneEntryPerDigestIdentity) {
  AuthContext auth = As({{"ip", "10.0.0.1"}, {"digest", kAlice}, {"digest", kBob}});
  Result<AclList> acl = ExpandAcl({World(perm::kRead), Auth(perm::kAll)}, auth);
  ASSERT_TRUE(acl.ok()) << acl.status().ToString();
  EXPECT_EQ(*acl,
            (AclList{World(perm::kRead), Digest(perm::kAll, kAlice), Digest(perm::kAll, kBob)}));
}

TEST(ExpandAclTest, KeepsPermissionsOfEachAuthEntry) {
  AuthContext auth = As({{"digest", kAlice}});
  Result<AclList> acl = ExpandAcl({Auth(perm::kRead), Auth(perm::kWrite | perm::kAdmin)}, auth);
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(*acl,
            (AclList{Digest(perm::kRead, kAlice), Digest(perm::kWrite | perm::kAdmin, kAlice)}));
}

TEST(ExpandAclTest, DuplicateEntriesCollapseToTheFirst) {
  // ZooKeeper's fixupACL removes duplicates; "auth" often expands to an id already listed.
  Result<AclList> acl = ExpandAcl({Digest(perm::kAll, kAlice), World(perm::kRead), Auth(perm::kAll),
                                   World(perm::kRead), Auth(perm::kRead)},
                                  As({{"digest", kAlice}}));
  ASSERT_TRUE(acl.ok()) << acl.status().ToString();
  EXPECT_EQ(*acl,
            (AclList{Digest(perm::kAll, kAlice), World(perm::kRead), Digest(perm::kRead, kAlice)}));
}

TEST(ExpandAclTest, AuthWithoutDigestIdentityIsInvalid) {
  EXPECT_EQ(ExpandAcl({Auth(perm::kAll)}, As({})).code(), Code::kInvalidAcl);
  // An ip identity is not an authenticated one; neither is superuser status.
  EXPECT_EQ(ExpandAcl({Auth(perm::kAll)}, As({{"ip", "10.0.0.1"}})).code(), Code::kInvalidAcl);
  EXPECT_EQ(ExpandAcl({Auth(perm::kAll)}, As({}, true)).code(), Code::kInvalidAcl);
}

TEST(ExpandAclTest, ListsWithoutAuthPassThroughAndAreValidated) {
  AclList plain = {World(perm::kRead), Ip(perm::kAll, "10.0.0.0/8")};
  Result<AclList> acl = ExpandAcl(plain, As({{"digest", kAlice}}));
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(*acl, plain);
  EXPECT_EQ(ExpandAcl({}, As({{"digest", kAlice}})).code(), Code::kInvalidAcl);
  EXPECT_EQ(ExpandAcl({World(0)}, As({})).code(), Code::kInvalidAcl);
  EXPECT_EQ(ExpandAcl({Auth(0)}, As({{"digest", kAlice}})).code(), Code::kInvalidAcl);
}

TEST(HasPermissionTest, World) {
  AclList acl = {World(perm::kRead | perm::kWrite)};
  EXPECT_TRUE(HasPermission(acl, perm::kRead, As({})));
  EXPECT_TRUE(HasPermission(acl, perm::kWrite, As({})));
  EXPECT_FALSE(HasPermission(acl, perm::kCreate, As({})));
  EXPECT_FALSE(HasPermission(acl, perm::kDelete, As({{"digest", kAlice}})));
  EXPECT_FALSE(HasPermission(acl, perm::kAdmin, As({})));
}

TEST(HasPermissionTest, DigestMatchAndMismatch) {
  AclList acl = {Digest(perm::kRead | perm::kAdmin, kAlice)};
  EXPECT_TRUE(HasPermission(acl, perm::kRead, As({{"digest", kAlice}})));
  EXPECT_TRUE(HasPermission(acl, perm::kAdmin, As({{"ip", "1.2.3.4"}, {"digest", kAlice}})));
  EXPECT_FALSE(HasPermission(acl, perm::kWrite, As({{"digest", kAlice}})));
  EXPECT_FALSE(HasPermission(acl, perm::kRead, As({{"digest", kBob}})));
  EXPECT_FALSE(HasPermission(acl, perm::kRead, As({})));
  // Same id under another scheme does not match.
  EXPECT_FALSE(HasPermission(acl, perm::kRead, As({{"ip", kAlice}})));
}

TEST(HasPermissionTest, IpExactAndCidr) {
  AclList acl = {Ip(perm::kRead, "10.0.0.0/8"), Ip(perm::kWrite, "192.168.1.7"),
                 Ip(perm::kAdmin, "2001:db8::/32")};
  EXPECT_TRUE(HasPermission(acl, perm::kRead, As({{"ip", "10.255.1.2"}})));
  EXPECT_FALSE(HasPermission(acl, perm::kRead, As({{"ip", "11.0.0.1"}})));
  EXPECT_TRUE(HasPermission(acl, perm::kWrite, As({{"ip", "192.168.1.7"}})));
  EXPECT_FALSE(HasPermission(acl, perm::kWrite, As({{"ip", "192.168.1.8"}})));
  EXPECT_FALSE(HasPermission(acl, perm::kWrite, As({{"ip", "10.1.1.1"}})));
  EXPECT_TRUE(HasPermission(acl, perm::kAdmin, As({{"ip", "2001:db8:ffff::1"}})));
  EXPECT_FALSE(HasPermission(acl, perm::kAdmin, As({{"ip", "2001:db9::1"}})));
  // A v4 address never matches a v6 pattern.
  EXPECT_FALSE(HasPermission(acl, perm::kAdmin, As({{"ip", "10.0.0.1"}})));
  // Unparseable identities match nothing.
  EXPECT_FALSE(HasPermission(acl, perm::kRead, As({{"ip", "not-an-ip"}})));
  // Prefix lengths that are not a multiple of 8.
  AclList odd = {Ip(perm::kRead, "172.16.0.0/12")};
  EXPECT_TRUE(HasPermission(odd, perm::kRead, As({{"ip", "172.31.255.255"}})));
  EXPECT_FALSE(HasPermission(odd, perm::kRead, As({{"ip", "172.32.0.0"}})));
  AclList all = {Ip(perm::kRead, "0.0.0.0/0")};
  EXPECT_TRUE(HasPermission(all, perm::kRead, As({{"ip", "8.8.8.8"}})));
}

TEST(HasPermissionTest, SuperuserBypassesEverything) {
  AclList acl = {Digest(perm::kRead, kAlice)};
  EXPECT_TRUE(HasPermission(acl, perm::kAdmin, As({}, true)));
  EXPECT_TRUE(HasPermission(acl, perm::kDelete, As({{"digest", kBob}}, true)));
}

TEST(HasPermissionTest, EmptyAclAllowsEverything) {
  for (uint32_t p : {perm::kRead, perm::kWrite, perm::kCreate, perm::kDelete, perm::kAdmin}) {
    EXPECT_TRUE(HasPermission({}, p, As({})));
  }
}

TEST(HasPermissionTest, AnyMatchingEntryGrants) {
  AclList acl = {Digest(perm::kRead, kAlice), Digest(perm::kWrite, kBob)};
  AuthContext both = As({{"digest", kAlice}, {"digest", kBob}});
  EXPECT_TRUE(HasPermission(acl, perm::kRead, both));
  EXPECT_TRUE(HasPermission(acl, perm::kWrite, both));
  EXPECT_FALSE(HasPermission(acl, perm::kWrite, As({{"digest", kAlice}})));
}

}  // namespace
}  // namespace coord
