#include "coord/base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace coord {
namespace {

constexpr Code kLastCode = Code::kInternal;

TEST(StatusTest, EveryCodeHasAUniqueLowerSnakeCaseName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(kLastCode); ++i) {
    std::string_view name = CodeName(static_cast<Code>(i));
    SCOPED_TRACE(i);
    EXPECT_NE(name, "unknown");
    ASSERT_FALSE(name.empty());
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
}

TEST(StatusTest, CodeNamesAreStable) {
  // These names appear in logs, tools and tests; changing one is a visible change.
  EXPECT_EQ(CodeName(Code::kOk), "ok");
  EXPECT_EQ(CodeName(Code::kNoNode), "no_node");
  EXPECT_EQ(CodeName(Code::kNodeExists), "node_exists");
  EXPECT_EQ(CodeName(Code::kBadVersion), "bad_version");
  EXPECT_EQ(CodeName(Code::kNoChildrenForEphemerals), "no_children_for_ephemerals");
  EXPECT_EQ(CodeName(Code::kRuntimeInconsistency), "runtime_inconsistency");
  EXPECT_EQ(CodeName(Code::kIoError), "io_error");
  EXPECT_EQ(CodeName(Code::kCorruption), "corruption");
  EXPECT_EQ(CodeName(Code::kInternal), "internal");
  EXPECT_EQ(CodeName(static_cast<Code>(1000)), "unknown");
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s(Code::kNoNode, "/a/b does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNoNode);
  EXPECT_EQ(s.message(), "/a/b does not exist");
  EXPECT_EQ(s.ToString(), "no_node: /a/b does not exist");
  EXPECT_EQ(Status(Code::kCorruption, "").ToString(), "corruption");
}

TEST(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Status(Code::kNoNode, "x"), Status(Code::kNoNode, "x"));
  EXPECT_FALSE(Status(Code::kNoNode, "x") == Status(Code::kNoNode, "y"));
  EXPECT_FALSE(Status(Code::kNoNode, "x") == Status(Code::kNodeExists, "x"));
  EXPECT_FALSE(Status(Code::kNoNode, "") == Status::Ok());
}

TEST(ResultTest, HoldsAValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.code(), Code::kOk);
}

TEST(ResultTest, HoldsAStatus) {
  Result<std::string> r = Status(Code::kBadVersion, "expected 3");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.code(), Code::kBadVersion);
  EXPECT_EQ(r.status().ToString(), "bad_version: expected 3");
}

TEST(ResultTest, ArrowAndMutation) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
  r->push_back('d');
  *r += "e";
  EXPECT_EQ(r.value(), "abcde");
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(ResultDeathTest, ValueOfErrorCrashesWithTheStatus) {
  Result<int> r = Status(Code::kNoNode, "/gone");
  EXPECT_DEATH((void)r.value(), "no_node: /gone");
}

TEST(ResultDeathTest, OkStatusWithoutValueCrashes) {
  EXPECT_DEATH((void)Result<int>{Status::Ok()}, "needs a non-ok Status");
}

// --- COORD_RETURN_IF_ERROR / COORD_ASSIGN_OR_RETURN ----------------------------------------------

Status Step(std::vector<int>* trace, int id, Status result) {
  trace->push_back(id);
  return result;
}

Status TwoSteps(std::vector<int>* trace, Status first, Status second) {
  COORD_RETURN_IF_ERROR(Step(trace, 1, first));
  COORD_RETURN_IF_ERROR(Step(trace, 2, second));
  trace->push_back(3);
  return Status::Ok();
}

TEST(StatusMacroTest, ReturnIfErrorRunsThroughOnOk) {
  std::vector<int> trace;
  EXPECT_TRUE(TwoSteps(&trace, Status::Ok(), Status::Ok()).ok());
  EXPECT_EQ(trace, (std::vector<int>{1, 2, 3}));
}

TEST(StatusMacroTest, ReturnIfErrorStopsAtTheFirstError) {
  std::vector<int> trace;
  Status s = TwoSteps(&trace, Status(Code::kIoError, "disk"), Status::Ok());
  EXPECT_EQ(s, Status(Code::kIoError, "disk"));
  EXPECT_EQ(trace, (std::vector<int>{1}));

  trace.clear();
  s = TwoSteps(&trace, Status::Ok(), Status(Code::kCorruption, "crc"));
  EXPECT_EQ(s, Status(Code::kCorruption, "crc"));
  EXPECT_EQ(trace, (std::vector<int>{1, 2}));
}

Result<int> Parse(std::string_view text) {
  if (text.empty() || text.size() > 9) return Status(Code::kInvalidArgument, "bad number");
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Status(Code::kInvalidArgument, "bad digit");
    n = n * 10 + (c - '0');
  }
  return n;
}

// Two uses in one function: the hidden temporaries must not collide.
Result<int> Sum(std::string_view a, std::string_view b, int* steps) {
  COORD_ASSIGN_OR_RETURN(int x, Parse(a));
  ++*steps;
  int y = 0;
  COORD_ASSIGN_OR_RETURN(y, Parse(b));  // assigns to an existing variable
  ++*steps;
  return x + y;
}

TEST(StatusMacroTest, AssignOrReturnAssignsValues) {
  int steps = 0;
  Result<int> r = Sum("12", "30", &steps);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(steps, 2);
}

TEST(StatusMacroTest, AssignOrReturnPropagatesTheStatus) {
  int steps = 0;
  Result<int> r = Sum("1x", "30", &steps);
  EXPECT_EQ(r.status(), Status(Code::kInvalidArgument, "bad digit"));
  EXPECT_EQ(steps, 0);

  steps = 0;
  r = Sum("1", "", &steps);
  EXPECT_EQ(r.status(), Status(Code::kInvalidArgument, "bad number"));
  EXPECT_EQ(steps, 1);
}

Result<std::unique_ptr<int>> MakeBox(bool ok) {
  if (!ok) return Status(Code::kOutOfSpace, "full");
  return std::make_unique<int>(5);
}

Status UseBox(bool ok, int* out) {
  COORD_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(ok));
  *out = *box;
  return Status::Ok();
}

TEST(StatusMacroTest, AssignOrReturnMovesMoveOnlyValues) {
  int out = 0;
  EXPECT_TRUE(UseBox(true, &out).ok());
  EXPECT_EQ(out, 5);
  out = 0;
  EXPECT_EQ(UseBox(false, &out).code(), Code::kOutOfSpace);
  EXPECT_EQ(out, 0);
}

}  // namespace
}  // namespace coord
