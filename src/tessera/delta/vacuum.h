#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/common/time.h"
#include "tessera/delta/snapshot.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// What a vacuum deleted (or, for a dry run, would delete). Plain value.
struct VacuumResult {
  std::vector<storage::FileInfo> files;  // sorted by path
  int64_t bytes = 0;                     // sum of their sizes
  int64_t files_scanned = 0;             // files listed under the table root
  int64_t retention_ms = 0;              // the retention applied
};

/// Delete the files under the table root that no version within the retention period needs
/// (Spark's VacuumCommand): data files and `deletion_vector_*.bin` files that are not referenced
/// by a live add (its path or its deletion vector file), not referenced by a remove tombstone
/// deleted less than `retention_ms` ago, last modified more than `retention_ms` ago, and not
/// hidden: anything under a directory or with a name starting with `.` or `_` (so `_delta_log`)
/// is kept, except `_change_data` and partition directories of `_`-prefixed columns.
/// `snapshot` must be the table's latest version. The writer protocol is checked first
/// (`vacuumProtocolCheck`). A retention shorter than `delta.deletedFileRetentionDuration` (default
/// 7 days) is refused unless `force` is set, because it can break time travel and concurrent
/// writers whose files are not committed yet. With `dry_run` nothing is deleted. Errors:
/// kUnsupported (protocol), kInvalidArgument (negative or too short a retention, a bad retention
/// property), kConflict (the snapshot is not the latest version), kCorruption (a log path that
/// leaves the table), the storage's errors (files deleted before a failed delete stay deleted).
Result<VacuumResult> Vacuum(storage::Storage& storage, const Snapshot& snapshot,
                            int64_t retention_ms, bool dry_run, const Clock& clock,
                            bool force = false);

}  // namespace tessera::delta
