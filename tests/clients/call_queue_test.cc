#include "clients/call_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coord::client {
namespace {

using ::testing::ElementsAre;

// Calls are named by the path of a get_data; results are read back by name.
Call Named(const std::string& name) {
  Call call;
  call.op = GetDataRequest{"/" + name, false};
  call.done = [](ClientResponse) {};
  return call;
}

std::string NameOf(const ClientOp& op) { return std::get<GetDataRequest>(op).path.substr(1); }

ClientResponse Reply(int64_t id, Code code = Code::kOk) {
  ClientResponse r;
  r.id = id;
  r.code = code;
  return r;
}

// "message:code" for each completed call, in delivery order. A sent call's op has moved to the
// wire, so replies carry the call's name in their message; local failures carry their reason.
std::vector<std::string> Drain(CallQueue& q) {
  std::vector<std::string> out;
  for (CallQueue::Completed& c : q.TakeCompleted()) {
    out.push_back(c.response.message + ":" + std::string(CodeName(c.response.code)));
  }
  return out;
}

TEST(CallQueueTest, SendsInOrderAndDeliversInOrder) {
  CallQueue q;
  q.Push(Named("a"), 100);
  q.Push(Named("b"), 100);
  EXPECT_TRUE(q.HasUnsent());
  std::vector<ClientRequest> sent = q.TakeUnsent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(NameOf(sent[0].op), "a");
  EXPECT_EQ(NameOf(sent[1].op), "b");
  EXPECT_LT(sent[0].id, sent[1].id);
  EXPECT_FALSE(q.HasUnsent());
  EXPECT_EQ(q.outstanding(), 2u);

  ClientResponse ra = Reply(sent[0].id);
  ra.message = "a";
  ASSERT_TRUE(q.OnReply(ra).ok());
  EXPECT_THAT(Drain(q), ElementsAre("a:ok"));
  ClientResponse rb = Reply(sent[1].id, Code::kNoNode);
  rb.message = "b";
  Result<CallQueue::Replied> replied = q.OnReply(rb);
  ASSERT_TRUE(replied.ok());
  EXPECT_EQ(replied->kind, CallQueue::Kind::kCall);
  ASSERT_NE(replied->call, nullptr);
  EXPECT_EQ(replied->response->code, Code::kNoNode);
  EXPECT_THAT(Drain(q), ElementsAre("b:no_node"));
  EXPECT_EQ(q.size(), 0u);
}

TEST(CallQueueTest, ALocalFailureWaitsForTheCallsBeforeIt) {
  CallQueue q;
  q.Push(Named("a"), 100);
  std::vector<ClientRequest> sent = q.TakeUnsent();
  q.PushFailed(Named("bad"), Status(Code::kBadArguments, "bad"));
  EXPECT_TRUE(Drain(q).empty()) << "'a' has no reply yet";
  ClientResponse ra = Reply(sent[0].id);
  ra.message = "a";
  ASSERT_TRUE(q.OnReply(ra).ok());
  EXPECT_THAT(Drain(q), ElementsAre("a:ok", "bad:bad_arguments"));
}

TEST(CallQueueTest, InternalRequestsShareTheWireOrder) {
  CallQueue q;
  ClientRequest ping = q.MakeInternal(CallQueue::Kind::kPing, PingRequest{});
  q.Push(Named("a"), 100);
  std::vector<ClientRequest> sent = q.TakeUnsent();
  ClientRequest auth = q.MakeInternal(CallQueue::Kind::kAuth, AddAuthRequest{"digest", "u:p"});
  EXPECT_LT(ping.id, sent[0].id);
  EXPECT_LT(sent[0].id, auth.id);

  Result<CallQueue::Replied> r = q.OnReply(Reply(ping.id));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, CallQueue::Kind::kPing);
  EXPECT_EQ(r->call, nullptr);
  // Out of step: the server never answers out of order, so this is a broken connection.
  Result<CallQueue::Replied> wrong = q.OnReply(Reply(auth.id));
  EXPECT_EQ(wrong.code(), Code::kMarshallingError);
}

TEST(CallQueueTest, AReplyToNothingIsAnError) {
  CallQueue q;
  EXPECT_EQ(q.OnReply(Reply(1)).code(), Code::kMarshallingError);
}

TEST(CallQueueTest, LinkDownFailsSentCallsAndKeepsUnsentOnes) {
  CallQueue q;
  q.Push(Named("a"), 100);
  q.TakeUnsent();
  q.MakeInternal(CallQueue::Kind::kSetWatches, SetWatchesRequest{});
  q.Push(Named("b"), 100);
  q.OnLinkDown(Status(Code::kConnectionLoss, "lost"));
  EXPECT_EQ(q.outstanding(), 0u);
  EXPECT_THAT(Drain(q), ElementsAre("lost:connection_loss"));
  EXPECT_TRUE(q.HasUnsent());
  std::vector<ClientRequest> sent = q.TakeUnsent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(NameOf(sent[0].op), "b");
}

TEST(CallQueueTest, UnsentCallsExpireAtTheirDeadline) {
  CallQueue q;
  q.Push(Named("a"), 100);
  q.Push(Named("b"), 200);
  EXPECT_EQ(q.NextDeadline(), 100);
  Status timeout(Code::kOperationTimeout, "t");
  q.ExpireUnsent(99, timeout);
  EXPECT_TRUE(Drain(q).empty());
  q.ExpireUnsent(150, timeout);
  EXPECT_THAT(Drain(q), ElementsAre("t:operation_timeout"));
  EXPECT_EQ(q.NextDeadline(), 200);
  q.ExpireUnsent(200, timeout);
  EXPECT_THAT(Drain(q), ElementsAre("t:operation_timeout"));
  EXPECT_FALSE(q.NextDeadline().has_value());
  EXPECT_FALSE(q.HasUnsent());
}

TEST(CallQueueTest, SentCallsDoNotExpire) {
  CallQueue q;
  q.Push(Named("a"), 100);
  q.TakeUnsent();
  q.ExpireUnsent(1000, Status(Code::kOperationTimeout, "t"));
  EXPECT_TRUE(Drain(q).empty());
  EXPECT_FALSE(q.NextDeadline().has_value());
}

TEST(CallQueueTest, FailAllCompletesEverythingInOrder) {
  CallQueue q;
  q.Push(Named("a"), 100);
  q.TakeUnsent();
  q.PushFailed(Named("x"), Status(Code::kBadArguments, "x"));
  q.Push(Named("b"), 100);
  q.FailAll(Status(Code::kSessionExpired, "gone"));
  EXPECT_THAT(Drain(q),
              ElementsAre("gone:session_expired", "x:bad_arguments", "gone:session_expired"));
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.outstanding(), 0u);
}

TEST(CallQueueTest, ThousandsInFlightStayInOrder) {
  CallQueue q;
  for (int i = 0; i < 5000; ++i) q.Push(Named(std::to_string(i)), 100);
  std::vector<ClientRequest> sent = q.TakeUnsent();
  ASSERT_EQ(sent.size(), 5000u);
  for (const ClientRequest& r : sent) {
    ClientResponse reply = Reply(r.id);
    reply.message = NameOf(r.op);
    ASSERT_TRUE(q.OnReply(reply).ok());
  }
  std::vector<std::string> got = Drain(q);
  ASSERT_EQ(got.size(), 5000u);
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(got[i], std::to_string(i) + ":ok");
}

}  // namespace
}  // namespace coord::client
