// Leveled, timestamped log lines on stderr.
//
// Thread-safe: each line is formatted into one buffer and written with a single write(2). Pure
// modules (tree, session, zab) do not log; they return what happened and let their caller decide.
#pragma once

#include <sstream>
#include <string_view>

namespace coord {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warn" or "error".
bool ParseLogLevel(std::string_view text, LogLevel* level);

namespace internal {
// Turns `stream << ...` into a void expression for COORD_LOG's conditional.
struct LogVoidify {
  void operator&(std::ostream&) {}
};

class LogLine {
 public:
  LogLine(LogLevel level, const char* file, int line);
  ~LogLine();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace internal

}  // namespace coord

// A conditional expression, not an if/else, so `if (x) LOG_WARN << ...;` has no dangling else.
#define COORD_LOG(level)                              \
  (::coord::LogLevel::level < ::coord::GetLogLevel()) \
      ? (void)0                                       \
      : ::coord::internal::LogVoidify() &             \
            ::coord::internal::LogLine(::coord::LogLevel::level, __FILE__, __LINE__).stream()

#define LOG_DEBUG COORD_LOG(kDebug)
#define LOG_INFO COORD_LOG(kInfo)
#define LOG_WARN COORD_LOG(kWarn)
#define LOG_ERROR COORD_LOG(kError)
