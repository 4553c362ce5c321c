#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tessera/common/result.h"

namespace tessera {

/// Source of wall-clock time, so that tests can control it. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
};

/// The system clock. Stateless; use the process-wide instance.
class SystemClock : public Clock {
 public:
  int64_t NowMillis() const override;
  static const SystemClock& Instance();
};

/// Format epoch milliseconds as "2024-01-02T03:04:05.678Z".
std::string FormatIso8601Millis(int64_t epoch_millis);
/// The same, appended to `out` (no allocation when `out` has room).
void AppendIso8601Millis(std::string& out, int64_t epoch_millis);

/// Format epoch seconds as an HTTP date (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(int64_t epoch_seconds);
/// The same into `out`, which has room for kHttpDateLength characters.
void FormatHttpDate(int64_t epoch_seconds, char* out);
inline constexpr size_t kHttpDateLength = 29;

/// Parse an ISO-8601 / SQL timestamp into epoch microseconds. Accepts "2024-01-02",
/// "2024-01-02 03:04:05", "2024-01-02T03:04:05.123456", each optionally followed by "Z" or a
/// "+hh:mm"/"-hh[:mm]" offset; without a zone the value is UTC. Return kInvalidArgument otherwise.
Result<int64_t> ParseTimestampMicros(std::string_view text);

/// Parse "YYYY-MM-DD" into days since the epoch. Return kInvalidArgument otherwise.
Result<int32_t> ParseDate(std::string_view text);

}  // namespace tessera
