#include "coord/tree/tree_snapshot.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "tests/tree/tree_test_util.h"

namespace coord {
namespace {

using namespace testing_util;  // NOLINT: test helpers

const char kAlice[] = "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU=";

// A tree with one of everything: ACLs (shared and not), sessions with and without ephemerals,
// containers (due and not), TTL nodes, sequence counters, empty, binary and large data.
void BuildVariedTree(TreeHarness& h) {
  h.time_ms = 1000;
  CreateSessionTxn with_password = SessionTxn(11, 4000);
  with_password.password = std::string("s3cr\0t", 6);
  h.Ok(with_password);
  h.Ok(SessionTxn(-12, 5000));
  h.Ok(SessionTxn(13, 6000));  // no ephemerals
  h.Ok(Create("/app", "config"));
  CreateTxn secure = Create("/app/secure", std::string("\0bin\xff", 5));
  secure.acl = {Acl{perm::kRead, "world", "anyone"}, Acl{perm::kAll, "digest", kAlice},
                Acl{perm::kCreate, "ip", "10.0.0.0/8"}};
  h.Ok(secure);
  CreateTxn shared = Create("/app/shared");
  shared.acl = secure.acl;
  h.Ok(shared);
  h.Ok(Create("/app/big", std::string(70000, 'b')));
  h.Ok(Create("/app/q"));
  for (int i = 0; i < 5; ++i) {
    h.Ok(Sequential("/app/q/job-" + SequenceSuffix(i)));
  }
  h.Ok(Delete("/app/q/job-0000000001"));
  h.Ok(Ephemeral("/app/q/lock", 11, "owner"));
  h.Ok(Ephemeral("/e", -12));
  h.Ok(Container("/c-due"));
  h.Ok(Create("/c-due/x"));
  h.Ok(Delete("/c-due/x"));
  h.Ok(Container("/c-fresh"));
  h.Ok(Container("/c-full"));
  h.Ok(Create("/c-full/x"));
  h.time_ms = 2000;
  h.Ok(Ttl("/ttl", 500));
  h.Ok(SetData("/app", "config v2"));
  h.Ok(SetAcl("/app", OpenAcl()));
  h.Ok(Sequential("/s0000000000"));
  h.Ok(Create("/" + std::string(300, 'l'), "long name"));
  h.Apply(Create("/app"));  // a failed txn: last_zxid moves past it
}

std::string Snapshot(const DataTree& tree) {
  StringSink sink;
  Status s = TreeSnapshotCodec::Write(tree, sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.data();
}

void ExpectSameTree(const DataTree& loaded, const DataTree& original) {
  EXPECT_EQ(loaded.digest(), original.digest());
  EXPECT_EQ(loaded.ComputeDigest(), original.digest());
  EXPECT_EQ(loaded.last_zxid(), original.last_zxid());
  EXPECT_EQ(loaded.node_count(), original.node_count());
  EXPECT_EQ(Dump(loaded), Dump(original));
  for (int64_t t : {0, 1999, 2499, 2500, 100000}) {
    EXPECT_EQ(loaded.DueForRemoval(t), original.DueForRemoval(t)) << t;
  }
  for (const auto& [session, timeout] : original.Sessions()) {
    EXPECT_EQ(loaded.SessionTimeout(session), timeout);
  }
}

TEST(TreeSnapshotTest, RoundTripKeepsEverything) {
  TreeHarness h;
  BuildVariedTree(h);
  const std::string body = Snapshot(h.tree);
  Result<DataTree> loaded = TreeSnapshotCodec::Read(body);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameTree(*loaded, h.tree);
  // Spot checks of what the dump compares, so a broken Dump cannot hide a broken codec.
  EXPECT_EQ(loaded->Find("/app/q")->next_sequence, 5u);
  EXPECT_EQ(loaded->EphemeralPaths(11), (std::vector<std::string>{"/app/q/lock"}));
  EXPECT_EQ(loaded->EphemeralPaths(-12), (std::vector<std::string>{"/e"}));
  EXPECT_EQ(loaded->Sessions(),
            (std::vector<std::pair<SessionId, int32_t>>{{-12, 5000}, {11, 4000}, {13, 6000}}));
  EXPECT_EQ(loaded->DueForRemoval(2500), (std::vector<std::string>{"/c-due", "/ttl"}));
  EXPECT_EQ(loaded->SessionPassword(11), std::string("s3cr\0t", 6));
  EXPECT_EQ(loaded->SessionPassword(13), "");
  EXPECT_EQ(*loaded->GetKind("/c-fresh"), NodeKind::kContainer);
  EXPECT_EQ(loaded->Find("/ttl")->ttl_ms, 500);
  EXPECT_EQ(DataOf(*loaded, "/app/secure"), std::string("\0bin\xff", 5));
  EXPECT_EQ(DataOf(*loaded, "/app/big"), std::string(70000, 'b'));
  AclList acl;
  ASSERT_TRUE(loaded->GetAcl("/app/shared", &acl, nullptr).ok());
  EXPECT_EQ(acl.size(), 3u);
  EXPECT_EQ(acl[1], (Acl{perm::kAll, "digest", kAlice}));
  // Writing the loaded tree gives the same bytes: the format is canonical.
  EXPECT_EQ(Snapshot(*loaded), body);
}

TEST(TreeSnapshotTest, EmptyTreeRoundTrips) {
  DataTree empty;
  const std::string body = Snapshot(empty);
  Result<DataTree> loaded = TreeSnapshotCodec::Read(body);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameTree(*loaded, empty);
  Result<TreeSnapshotSummary> summary = TreeSnapshotCodec::ReadSummary(body);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->nodes, 1u);
  EXPECT_EQ(summary->sessions, 0u);
  EXPECT_EQ(summary->acls, 1u);
  EXPECT_EQ(summary->last_zxid, 0u);
}

TEST(TreeSnapshotTest, RootWithoutTheOpenAcl) {
  TreeHarness h;
  h.Ok(SetAcl("/", {Acl{perm::kRead, "world", "anyone"}}));
  h.Ok(SetData("/", "root data"));
  Result<DataTree> loaded = TreeSnapshotCodec::Read(Snapshot(h.tree));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameTree(*loaded, h.tree);
  // The loaded tree can still intern the open ACL again.
  TreeHarness again;
  again.tree = std::move(*loaded);
  again.zxid = again.tree.last_zxid();
  again.Ok(Create("/x"));
  again.Ok(SetAcl("/", OpenAcl()));
  AclList acl;
  ASSERT_TRUE(again.tree.GetAcl("/", &acl, nullptr).ok());
  EXPECT_EQ(acl, OpenAcl());
}

TEST(TreeSnapshotTest, ReadSummary) {
  TreeHarness h;
  BuildVariedTree(h);
  const std::string body = Snapshot(h.tree);
  Result<TreeSnapshotSummary> summary = TreeSnapshotCodec::ReadSummary(body);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->last_zxid, h.tree.last_zxid());
  EXPECT_EQ(summary->digest, h.tree.digest());
  EXPECT_EQ(summary->nodes, h.tree.node_count());
  EXPECT_EQ(summary->sessions, 3u);
  EXPECT_EQ(summary->acls, 2u);  // the open ACL and the 3-entry list two nodes share
  // The summary needs only the header.
  EXPECT_TRUE(TreeSnapshotCodec::ReadSummary(body.substr(0, 48)).ok());
  EXPECT_EQ(TreeSnapshotCodec::ReadSummary(body.substr(0, 47)).code(), Code::kCorruption);
  EXPECT_EQ(TreeSnapshotCodec::ReadSummary("").code(), Code::kCorruption);
  std::string bad_magic = body;
  bad_magic[0] ^= 1;
  EXPECT_EQ(TreeSnapshotCodec::ReadSummary(bad_magic).code(), Code::kCorruption);
  std::string bad_version = body;
  bad_version[4] = 9;
  EXPECT_EQ(TreeSnapshotCodec::ReadSummary(bad_version).code(), Code::kCorruption);
  EXPECT_NE(TreeSnapshotCodec::ReadSummary(bad_version).status().message().find("version"),
            std::string::npos);
}

TEST(TreeSnapshotTest, LargeTreesAreWrittenInPieces) {
  TreeHarness h;
  for (int i = 0; i < 40; ++i) h.Ok(Create("/n" + std::to_string(i), std::string(40000, 'x')));
  StringSink sink;
  ASSERT_TRUE(TreeSnapshotCodec::Write(h.tree, sink).ok());
  EXPECT_GE(sink.writes(), 2);
  Result<DataTree> loaded = TreeSnapshotCodec::Read(sink.data());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameTree(*loaded, h.tree);
}

TEST(TreeSnapshotTest, SinkErrorsAreReturned) {
  TreeHarness h;
  BuildVariedTree(h);
  StringSink sink;
  sink.FailWith(Status(Code::kIoError, "disk on fire"));
  Status s = TreeSnapshotCodec::Write(h.tree, sink);
  EXPECT_EQ(s.code(), Code::kIoError);
  EXPECT_EQ(s.message(), "disk on fire");
}

TEST(TreeSnapshotTest, EveryTruncationIsCorruption) {
  TreeHarness h;
  BuildVariedTree(h);
  h.Ok(SetData("/app/big", "small again"));  // keep the body small enough to try every cut
  const std::string body = Snapshot(h.tree);
  ASSERT_LT(body.size(), 4000u);
  for (size_t n = 0; n < body.size(); ++n) {
    Result<DataTree> r = TreeSnapshotCodec::Read(std::string_view(body).substr(0, n));
    ASSERT_EQ(r.code(), Code::kCorruption) << "truncated to " << n << " of " << body.size();
  }
  // Trailing garbage is corruption as well.
  EXPECT_EQ(TreeSnapshotCodec::Read(body + '\0').code(), Code::kCorruption);
  EXPECT_EQ(TreeSnapshotCodec::Read(body + body).code(), Code::kCorruption);
}

TEST(TreeSnapshotTest, RandomByteFlipsAreDetectedOrHarmless) {
  TreeHarness h;
  BuildVariedTree(h);
  h.Ok(SetData("/app/big", "small again"));
  const std::string body = Snapshot(h.tree);
  Prng prng(20240601);
  int corrupt = 0, loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = body;
    const int flips = 1 + static_cast<int>(prng.Uniform(3));
    for (int f = 0; f < flips; ++f) {
      bad[prng.Uniform(bad.size())] ^= static_cast<char>(1 + prng.Uniform(255));
    }
    Result<DataTree> r = TreeSnapshotCodec::Read(bad);
    if (!r.ok()) {
      ASSERT_EQ(r.code(), Code::kCorruption) << "trial " << trial << ": " << r.status().ToString();
      ++corrupt;
      continue;
    }
    // Accepted: the flip hit something outside the digest (e.g. an ACL or a session timeout);
    // the tree must still be whole and consistent.
    ++loaded;
    ASSERT_EQ(r->digest(), h.tree.digest()) << "trial " << trial;
    ASSERT_EQ(r->ComputeDigest(), r->digest());
    ASSERT_EQ(AllPaths(*r), AllPaths(h.tree));
  }
  EXPECT_GT(corrupt, 2000);
  RecordProperty("flips_loaded", loaded);
}

TEST(TreeSnapshotTest, CraftedHeadersDoNotAllocateOrCrash) {
  TreeHarness h;
  h.Ok(Create("/a", "x"));
  std::string body = Snapshot(h.tree);
  // Node, session and ACL counts far beyond what the body can hold.
  for (size_t offset : {24, 32, 40}) {
    std::string bad = body;
    for (size_t i = 0; i < 8; ++i) bad[offset + i] = '\xff';
    EXPECT_EQ(TreeSnapshotCodec::Read(bad).code(), Code::kCorruption) << offset;
  }
  std::string no_root = body;
  for (size_t i = 0; i < 8; ++i) no_root[24 + i] = 0;
  EXPECT_EQ(TreeSnapshotCodec::Read(no_root).code(), Code::kCorruption);
}

TEST(TreeSnapshotTest, LoadedTreeContinuesLikeTheOriginal) {
  TreeHarness original;
  BuildVariedTree(original);
  Result<DataTree> loaded_or = TreeSnapshotCodec::Read(Snapshot(original.tree));
  ASSERT_TRUE(loaded_or.ok());
  TreeHarness loaded;
  loaded.tree = std::move(*loaded_or);
  loaded.zxid = loaded.tree.last_zxid();
  ASSERT_EQ(loaded.zxid, original.zxid);

  // The same requests, prepared against each tree (so sequence counters and ephemeral lists of
  // the loaded tree are exercised), then applied.
  std::vector<WriteRequest> requests = {
      SequentialReq("/app/q/job-"),
      CloseReq(11),
      CloseReq(-12),
      ReapReq("/c-due"),
      ReapReq("/ttl"),
      DeleteReq("/c-full/x", 0),
      ReapReq("/c-full"),
      SetDataReq("/app/secure", "new", 0),
      SequentialReq("/s"),
      CreateReq("/c-fresh/kid"),
  };
  const AuthContext super{{}, true};
  for (TreeHarness* h : {&original, &loaded}) {
    Preparer prep(&h->tree);
    h->time_ms = 3000;
    for (const WriteRequest& request : requests) {
      Prepared p = prep.Prepare(request, 0, 0, super, h->zxid + 1, h->time_ms);
      ApplyResult r = h->tree.Apply(p.record, ++h->zxid);
      EXPECT_EQ(r.status.code(), p.status.code());
      prep.Applied(h->zxid);
    }
  }
  EXPECT_TRUE(Exists(loaded.tree, "/app/q/job-0000000005"));
  EXPECT_TRUE(Exists(loaded.tree, "/s0000000001"));
  EXPECT_FALSE(Exists(loaded.tree, "/app/q/lock"));
  EXPECT_FALSE(Exists(loaded.tree, "/c-due"));
  EXPECT_FALSE(Exists(loaded.tree, "/ttl"));
  EXPECT_FALSE(Exists(loaded.tree, "/c-full"));
  EXPECT_EQ(loaded.tree.digest(), original.tree.digest());
  EXPECT_EQ(Dump(loaded.tree), Dump(original.tree));
}

}  // namespace
}  // namespace coord
