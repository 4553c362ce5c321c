#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/common/result.h"

namespace tessera::ports::pgwire {

/// The canonical IANA spelling of a time zone name, matched case-insensitively as PostgreSQL
/// does ("europe/berlin" -> "Europe/Berlin", "utc" -> "UTC"). Return kInvalidArgument for names
/// ICU's time zone database does not hold.
Result<std::string> CanonicalZoneName(std::string_view name);

/// A session's TimeZone: the UTC offset in effect at any instant, from ICU's time zone database
/// (historic offsets, daylight saving, local mean time before zones existed). Remembers the
/// span between two transitions it last looked up, so a column of nearby timestamps costs one
/// ICU lookup. Not thread-safe.
class SessionZone {
 public:
  /// `name` as CanonicalZoneName accepts it. Return kInvalidArgument for unknown names, kInternal
  /// if ICU refuses.
  static Result<std::unique_ptr<SessionZone>> Open(std::string_view name);
  ~SessionZone();
  SessionZone(const SessionZone&) = delete;
  SessionZone& operator=(const SessionZone&) = delete;

  const std::string& name() const { return name_; }
  /// Whether the zone is UTC at every instant (output then needs no lookup).
  bool is_utc() const { return is_utc_; }

  /// Seconds east of UTC in effect at `utc_micros` (microseconds since 1970-01-01 UTC).
  int32_t OffsetSecondsAt(int64_t utc_micros);

 private:
  SessionZone() = default;

  std::string name_;
  bool is_utc_ = false;
  void* calendar_ = nullptr;  // UCalendar*, kept opaque so callers need no ICU headers
  // [span_begin_ms_, span_end_ms_) has offset span_offset_ (ICU works in milliseconds).
  double span_begin_ms_ = 0;
  double span_end_ms_ = -1;
  int32_t span_offset_ = 0;
};

}  // namespace tessera::ports::pgwire
