#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tessera/common/result.h"
#include "tessera/delta/actions.h"

namespace tessera::delta {

/// `delta.deletedFileRetentionDuration`'s default: "interval 1 week".
inline constexpr int64_t kDefaultDeletedFileRetentionMillis = int64_t{7} * 24 * 60 * 60 * 1000;

/// Parse a Delta interval property as Spark's CalendarInterval does for durations: an optional
/// "interval" prefix and one or more "<n> <unit>" pairs, case-insensitive, with units week, day,
/// hour, minute, second, millisecond, microsecond (singular or plural). "interval 1 week",
/// "interval 7 days" and "168 hours" all give 604800000. Return kInvalidArgument for anything
/// else, for months and years (their length varies, so Delta refuses them), for negative
/// values and on overflow.
Result<int64_t> ParseIntervalMillis(std::string_view text);

/// How long removed files must be kept: `delta.deletedFileRetentionDuration` (default 1 week).
/// Return kInvalidArgument, naming the property, if it is set to something unparseable.
Result<int64_t> DeletedFileRetentionMillis(const Metadata& metadata);

/// How long `txn` actions are kept: `delta.setTransactionRetentionDuration`, or nullopt (forever)
/// when it is not set. Return kInvalidArgument, naming the property, for an unparseable value.
Result<std::optional<int64_t>> SetTransactionRetentionMillis(const Metadata& metadata);

}  // namespace tessera::delta
