#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/history.h"
#include "tessera/delta/snapshot.h"
#include "tessera/storage/storage.h"

namespace tessera::engine {

/// Registers a deletion vector for the `tessera_dv_keep(key, row)` SQL function and returns its
/// key. Called while SQL is generated, before DuckDB runs it.
using DvRegistrar = std::function<Result<std::string>(const std::string& table_root,
                                                      const delta::DeletionVectorDescriptor&)>;

/// Return the DuckDB type name for a Delta type ("long" -> BIGINT, struct -> STRUCT(...)).
/// kUnsupported for types DuckDB cannot hold (variant).
Result<std::string> DuckDbType(const delta::DataType& type);

/// Return a typed SQL literal for a Delta partition value (NULL for null or "", timestamps
/// without zone read as UTC, binary as the string's bytes).
Result<std::string> PartitionLiteral(const delta::DataType& type,
                                     const std::optional<std::string>& value);

/// Build one DuckDB query returning the snapshot's rows in logical schema order: Parquet scans
/// grouped by partition values, partition columns as typed literals, column mapping resolved,
/// columns missing from older files read as NULL, deleted rows filtered out. Filters on the outer
/// query still push down into `read_parquet`.
Result<std::string> SnapshotSql(const delta::Snapshot& snapshot, const DvRegistrar& register_dv);

struct ColumnPredicate;  // scan_hints.h

/// Options for SnapshotSql used by row-level writes.
struct SnapshotSqlOptions {
  /// Add a `__tessera_file` column holding each row's `add.path` (one scan per file).
  bool file_column = false;
  /// Read only the files whose `add.path` is in this set (null: every live file).
  const std::set<std::string>* only_files = nullptr;
  /// Skip files whose partition values or stats prove no row satisfies all of these.
  const std::vector<ColumnPredicate>* skip_unless = nullptr;
};
Result<std::string> SnapshotSql(const delta::Snapshot& snapshot, const DvRegistrar& register_dv,
                                const SnapshotSqlOptions& options);

/// Build the change-data-feed query for versions [from, to] (PROTOCOL.md "Change Data Files"):
/// the table's columns plus `_change_type`, `_commit_version`, `_commit_timestamp`, read from
/// `cdc` files where a commit has them, else from its adds and removes (with DV differences).
/// Errors: kInvalidArgument for a bad range, kUnsupported when the feed is not enabled for the
/// whole range or the schema changes inside it.
Result<std::string> ChangesSql(storage::Storage& storage, delta::CheckpointReader* reader,
                               std::string_view table_root, int64_t from_version,
                               std::optional<int64_t> to_version, const DvRegistrar& register_dv);

}  // namespace tessera::engine
