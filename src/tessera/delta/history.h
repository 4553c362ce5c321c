#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/actions.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// One commit of a table's history.
struct CommitRecord {
  int64_t version = 0;
  /// Commit time in ms: the in-commit timestamp when the table has them, else the commit file's
  /// modification time made monotonic (PROTOCOL.md: ts[v] = max(ts[v], ts[v-1] + 1)).
  int64_t timestamp_ms = 0;
  std::optional<CommitInfo> info;
};

/// Read every commit still in the log, oldest first, with commitInfo and timestamps. In-commit
/// timestamps are used from `delta.inCommitTimestampEnablementVersion` on when the latest
/// metadata enables them. Errors: kNotFound (no table), kCorruption (malformed commits).
Result<std::vector<CommitRecord>> ReadHistory(storage::Storage& storage,
                                              std::string_view table_root);

/// The greatest version whose commit time is <= `timestamp_ms` ("as of"). Return kNotFound with
/// the valid range when the timestamp is before the first or after the last commit.
Result<int64_t> VersionAsOf(const std::vector<CommitRecord>& history, int64_t timestamp_ms);

/// The least version whose commit time is >= `timestamp_ms` (change-feed start). kNotFound if
/// every commit is older.
Result<int64_t> VersionAtOrAfter(const std::vector<CommitRecord>& history, int64_t timestamp_ms);

}  // namespace tessera::delta
