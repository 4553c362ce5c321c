#pragma once

#include <cstdint>
#include <string>

#include "tessera/common/status.h"
#include "tessera/engine/database.h"

namespace tessera::bench {

/// The name of the one tiny data file every commit of a long-log table adds again.
inline constexpr const char* kSharedDataFile = "part-00000-shared.zstd.parquet";

/// Create a Delta table with `commits` versions (0 .. commits-1) fast: DuckDB writes one tiny
/// Parquet file (`id BIGINT`, one row), then the commit JSON files are written directly, without
/// transactions. Version 0 holds protocol, metadata and an add; every later version a commitInfo
/// (timestamps 1 s apart) and an add of the same file, as a stream of idempotent re-adds would
/// look. The table therefore has one live file at every version, so loading it measures the
/// cost of the log's length, not of a large file list. kIoError if a file cannot be written.
Status WriteLongLogTable(engine::Connection& connection, const std::string& table_root,
                         int64_t commits);

/// Hard-link every JSON commit of `table_root`'s log (and nothing else: no checkpoints, no
/// `_last_checkpoint`) into a new table at `twin_root`, so that loading the twin replays every
/// JSON commit. kIoError on failure.
Status LinkCommitsOnly(const std::string& table_root, const std::string& twin_root);

}  // namespace tessera::bench
