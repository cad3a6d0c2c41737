// CHECK: crash on a broken invariant (a bug), with file, line and a streamed message.
// Expected failures are Status values instead (coord/base/status.h).
#pragma once

#include <sstream>

namespace coord::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `CHECK(x) << ...` compile to a void expression.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace coord::internal

#define CHECK(condition)                       \
  (condition) ? (void)0                        \
              : ::coord::internal::Voidify() & \
                    ::coord::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_NE(a, b) CHECK((a) != (b))
#define CHECK_LT(a, b) CHECK((a) < (b))
#define CHECK_LE(a, b) CHECK((a) <= (b))
#define CHECK_GT(a, b) CHECK((a) > (b))
#define CHECK_GE(a, b) CHECK((a) >= (b))
