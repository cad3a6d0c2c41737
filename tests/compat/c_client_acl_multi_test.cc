// The ZooKeeper C client against the target: ACLs with digest authentication, and multi
// transactions (every op kind, check inside multi, the per-op results of a failed multi).
#include <chrono>
#include <future>

#include "tests/compat/compat_test.h"

namespace coord::compat {
namespace {

using AclTest = CompatTest;
using MultiTest = CompatTest;

// digest:<user>:<base64(sha1("compat:secret"))>, ZooKeeper's stored form of that user/password.
constexpr char kUser[] = "compat:secret";
constexpr char kDigestId[] = "compat:vsMoek7F1sUFrzDIF24UBo9/apc=";

ACL MakeAcl(int perms, const char* scheme, const char* id) {
  return ACL{perms, Id{const_cast<char*>(scheme), const_cast<char*>(id)}};
}

// Adds digest auth and waits for the server's answer.
int AddDigestAuth(zhandle_t* zh, const std::string& user_password) {
  std::promise<int> done;
  auto completion = [](int rc, const void* data) {
    static_cast<std::promise<int>*>(const_cast<void*>(data))->set_value(rc);
  };
  int rc = zoo_add_auth(zh, "digest", user_password.data(), static_cast<int>(user_password.size()),
                        completion, &done);
  if (rc != ZOK) return rc;
  auto f = done.get_future();
  if (f.wait_for(std::chrono::milliseconds(kWaitMs)) != std::future_status::ready)
    return ZOPERATIONTIMEOUT;
  return f.get();
}

struct AclResult {
  int rc = 0;
  std::vector<std::string> entries;  // "perms scheme:id"
  Stat stat{};
};

AclResult GetAcl(zhandle_t* zh, const std::string& path) {
  AclResult r;
  ACL_vector acl{};
  r.rc = zoo_get_acl(zh, path.c_str(), &acl, &r.stat);
  if (r.rc == ZOK) {
    for (int i = 0; i < acl.count; ++i) {
      r.entries.push_back(std::to_string(acl.data[i].perms) + " " + acl.data[i].id.scheme + ":" +
                          acl.data[i].id.id);
    }
    deallocate_ACL_vector(&acl);
  }
  return r;
}

TEST_F(AclTest, DefaultAclIsOpen) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("n"), "", ZOO_PERSISTENT).rc);
  AclResult a = GetAcl(zk_->get(), P("n"));
  ASSERT_ZK(ZOK, a.rc);
  EXPECT_EQ(a.entries, (std::vector<std::string>{"31 world:anyone"}));
  EXPECT_EQ(a.stat.aversion, 0);
  EXPECT_ZK(ZNONODE, GetAcl(zk_->get(), P("missing")).rc);
}

TEST_F(AclTest, DigestAclNeedsAuth) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("secret"), "hidden", ZOO_PERSISTENT).rc);
  ACL entries[] = {MakeAcl(ZOO_PERM_ALL, "digest", kDigestId)};
  ACL_vector acl{1, entries};
  EXPECT_ZK(ZBADVERSION, zoo_set_acl(zk_->get(), P("secret").c_str(), 5, &acl));
  ASSERT_ZK(ZOK, zoo_set_acl(zk_->get(), P("secret").c_str(), 0, &acl));
  AclResult a = GetAcl(zk_->get(), P("secret"));
  ASSERT_ZK(ZNOAUTH, a.rc) << "getACL needs READ or ADMIN";

  // No auth: reads and writes are refused, exists is not.
  EXPECT_ZK(ZNOAUTH, Get(zk_->get(), P("secret")).rc);
  EXPECT_ZK(ZNOAUTH, zoo_set(zk_->get(), P("secret").c_str(), "x", 1, -1));
  EXPECT_ZK(ZNOAUTH, Create(zk_->get(), P("secret/child"), "", ZOO_PERSISTENT).rc);
  EXPECT_ZK(ZNOAUTH, Children(zk_->get(), P("secret")).rc);
  Stat stat{};
  EXPECT_ZK(ZOK, zoo_exists(zk_->get(), P("secret").c_str(), 0, &stat));
  EXPECT_EQ(stat.aversion, 1);

  // A wrong password is accepted as an identity, but not this one.
  ASSERT_ZK(ZOK, AddDigestAuth(zk_->get(), "compat:wrong"));
  EXPECT_ZK(ZNOAUTH, Get(zk_->get(), P("secret")).rc);

  std::unique_ptr<ZkHandle> authed = Connect();
  ASSERT_ZK(ZOK, AddDigestAuth(authed->get(), kUser));
  GetResult g = Get(authed->get(), P("secret"));
  ASSERT_ZK(ZOK, g.rc);
  EXPECT_EQ(g.data, "hidden");
  EXPECT_ZK(ZOK, zoo_set(authed->get(), P("secret").c_str(), "seen", 4, -1));
  a = GetAcl(authed->get(), P("secret"));
  ASSERT_ZK(ZOK, a.rc);
  EXPECT_EQ(a.entries, (std::vector<std::string>{"31 digest:" + std::string(kDigestId)}));
  EXPECT_EQ(a.stat.aversion, 1);
  // Deleting a child needs DELETE on the parent, not on the child: the root's ACL is open.
  EXPECT_ZK(ZOK, zoo_delete(zk_->get(), P("secret").c_str(), -1));
}

TEST_F(AclTest, GetAclWithoutAdminHidesDigests) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("mixed"), "", ZOO_PERSISTENT).rc);
  ACL entries[] = {MakeAcl(ZOO_PERM_READ, "world", "anyone"),
                   MakeAcl(ZOO_PERM_ALL, "digest", kDigestId)};
  ACL_vector acl{2, entries};
  ASSERT_ZK(ZOK, zoo_set_acl(zk_->get(), P("mixed").c_str(), -1, &acl));
  AclResult a = GetAcl(zk_->get(), P("mixed"));
  ASSERT_ZK(ZOK, a.rc);
  EXPECT_EQ(a.entries, (std::vector<std::string>{"1 world:anyone", "31 digest:compat:x"}));
  EXPECT_ZK(ZNOAUTH, zoo_set(zk_->get(), P("mixed").c_str(), "x", 1, -1)) << "READ only";
}

TEST_F(AclTest, CreatorAclNeedsAnAuthenticatedCreator) {
  EXPECT_ZK(ZINVALIDACL,
            Create(zk_->get(), P("mine"), "", ZOO_PERSISTENT, -1, &ZOO_CREATOR_ALL_ACL).rc);
  ASSERT_ZK(ZOK, AddDigestAuth(zk_->get(), kUser));
  ASSERT_ZK(ZOK, Create(zk_->get(), P("mine"), "", ZOO_PERSISTENT, -1, &ZOO_CREATOR_ALL_ACL).rc);
  AclResult a = GetAcl(zk_->get(), P("mine"));
  ASSERT_ZK(ZOK, a.rc);
  EXPECT_EQ(a.entries, (std::vector<std::string>{"31 digest:" + std::string(kDigestId)}));

  ACL_vector empty{0, nullptr};
  EXPECT_ZK(ZINVALIDACL, zoo_set_acl(zk_->get(), P("mine").c_str(), -1, &empty));
  std::unique_ptr<ZkHandle> stranger = Connect();
  EXPECT_ZK(ZNOAUTH, Get(stranger->get(), P("mine")).rc);
}

TEST_F(MultiTest, EveryOpKindCommitsTogether) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("x"), "x0", ZOO_PERSISTENT).rc);
  ASSERT_ZK(ZOK, Create(zk_->get(), P("y"), "", ZOO_PERSISTENT).rc);
  const std::string a = P("a"), a_child = P("a/child"), x = P("x"), y = P("y");
  char created[256], created_child[256];
  Stat set_stat{};
  zoo_op_t ops[5];
  zoo_create_op_init(&ops[0], a.c_str(), "new", 3, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, created,
                     sizeof(created));
  zoo_create_op_init(&ops[1], a_child.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE,
                     ZOO_PERSISTENT_SEQUENTIAL, created_child, sizeof(created_child));
  zoo_check_op_init(&ops[2], x.c_str(), 0);
  zoo_set_op_init(&ops[3], x.c_str(), "x1", 2, 0, &set_stat);
  zoo_delete_op_init(&ops[4], y.c_str(), 0);
  zoo_op_result_t results[5];
  ASSERT_ZK(ZOK, zoo_multi(zk_->get(), 5, ops, results));
  for (int i = 0; i < 5; ++i) EXPECT_ZK(ZOK, results[i].err) << "op " << i;
  EXPECT_EQ(std::string(created), a);
  EXPECT_EQ(std::string(created_child), a_child + "0000000000");
  EXPECT_EQ(set_stat.version, 1);

  GetResult gx = Get(zk_->get(), x);
  EXPECT_EQ(gx.data, "x1");
  EXPECT_EQ(set_stat.mzxid, gx.stat.mzxid);
  EXPECT_EQ(Get(zk_->get(), a).data, "new");
  EXPECT_ZK(ZNONODE, Get(zk_->get(), y).rc);
  // One transaction: every node it wrote carries the same zxid.
  EXPECT_EQ(Get(zk_->get(), a).stat.czxid, gx.stat.mzxid);
  EXPECT_EQ(Get(zk_->get(), root_).stat.pzxid, gx.stat.mzxid);
}

TEST_F(MultiTest, AFailedCheckAbortsEverythingWithPerOpResults) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("x"), "x0", ZOO_PERSISTENT).rc);
  const std::string b = P("b"), x = P("x");
  char created[256];
  Stat set_stat{};
  zoo_op_t ops[3];
  zoo_create_op_init(&ops[0], b.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, created,
                     sizeof(created));
  zoo_check_op_init(&ops[1], x.c_str(), 7);
  zoo_set_op_init(&ops[2], x.c_str(), "x1", 2, -1, &set_stat);
  zoo_op_result_t results[3];
  EXPECT_ZK(ZBADVERSION, zoo_multi(zk_->get(), 3, ops, results));
  // ZooKeeper's convention: ops before the failed one report ZOK (rolled back), the failed op
  // its own error, the ops after it ZRUNTIMEINCONSISTENCY.
  EXPECT_ZK(ZOK, results[0].err);
  EXPECT_ZK(ZBADVERSION, results[1].err);
  EXPECT_ZK(ZRUNTIMEINCONSISTENCY, results[2].err);
  EXPECT_ZK(ZNONODE, Get(zk_->get(), b).rc);
  GetResult gx = Get(zk_->get(), x);
  EXPECT_EQ(gx.data, "x0");
  EXPECT_EQ(gx.stat.version, 0);
}

TEST_F(MultiTest, FirstFailureDecidesTheError) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("x"), "", ZOO_PERSISTENT).rc);
  const std::string x = P("x"), missing = P("missing"), later = P("later");
  char created[256], created_later[256];
  zoo_op_t ops[3];
  zoo_create_op_init(&ops[0], x.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, created,
                     sizeof(created));
  zoo_delete_op_init(&ops[1], missing.c_str(), -1);
  zoo_create_op_init(&ops[2], later.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT,
                     created_later, sizeof(created_later));
  zoo_op_result_t results[3];
  EXPECT_ZK(ZNODEEXISTS, zoo_multi(zk_->get(), 3, ops, results));
  EXPECT_ZK(ZNODEEXISTS, results[0].err);
  EXPECT_ZK(ZRUNTIMEINCONSISTENCY, results[1].err);
  EXPECT_ZK(ZRUNTIMEINCONSISTENCY, results[2].err);
  EXPECT_ZK(ZNONODE, Get(zk_->get(), later).rc);
}

TEST_F(MultiTest, CheckOfAMissingNodeAndLaterOpsSeeEarlierOnes) {
  const std::string n = P("n"), missing = P("missing");
  char created[256];
  Stat set_stat{};
  zoo_op_t ops[3];
  // Ops see the effects of the ops before them: create, then set version 0 of the new node.
  zoo_create_op_init(&ops[0], n.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, created,
                     sizeof(created));
  zoo_set_op_init(&ops[1], n.c_str(), "v1", 2, 0, &set_stat);
  zoo_check_op_init(&ops[2], n.c_str(), 1);
  zoo_op_result_t results[3];
  ASSERT_ZK(ZOK, zoo_multi(zk_->get(), 3, ops, results));
  EXPECT_EQ(set_stat.version, 1);

  zoo_op_t check_missing[1];
  zoo_check_op_init(&check_missing[0], missing.c_str(), -1);
  zoo_op_result_t one[1];
  EXPECT_ZK(ZNONODE, zoo_multi(zk_->get(), 1, check_missing, one));
  EXPECT_ZK(ZNONODE, one[0].err);
}

TEST_F(MultiTest, EmptyMultiSucceeds) {
  zoo_op_result_t none[1];
  EXPECT_ZK(ZOK, zoo_multi(zk_->get(), 0, nullptr, none));
}

TEST_F(MultiTest, EphemeralCreatedInAMultiBelongsToTheSession) {
  const std::string e = P("e");
  char created[256];
  zoo_op_t ops[1];
  zoo_create_op_init(&ops[0], e.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, created,
                     sizeof(created));
  zoo_op_result_t results[1];
  ASSERT_ZK(ZOK, zoo_multi(zk_->get(), 1, ops, results));
  EXPECT_EQ(Get(zk_->get(), e).stat.ephemeralOwner, zk_->session_id());
}

}  // namespace
}  // namespace coord::compat
