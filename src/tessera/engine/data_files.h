#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/schema.h"
#include "tessera/engine/database.h"
#include "tessera/storage/storage.h"

namespace tessera::engine {

/// The logical shape of a table's files: its schema and which columns are partitions.
struct TableLayout {
  delta::Schema schema;
  std::vector<std::string> partition_columns;
};

/// Where and how WriteDataFiles writes.
struct DataFileOptions {
  std::string dir_prefix;                  // e.g. "_change_data/" for change data files
  bool collect_stats = true;               // put add.stats on the actions
  std::vector<std::string> extra_columns;  // written besides the schema's (e.g. _change_type)
};

/// Run `select` (its columns: the layout's schema in order, then the extra columns) and write
/// its rows as zstd Parquet files under `root`: one file per partition value in Hive-style
/// directories (Spark's escaping), without the partition columns. Return an `add` action per file
/// (paths URI-encoded, relative to root, stats from the Parquet footer) and add the row count to
/// `*rows`. Files are new and uniquely named; nothing existing is touched. Errors: DuckDB's,
/// kIoError when a directory cannot be created.
Result<std::vector<delta::AddFile>> WriteDataFiles(Connection& connection,
                                                   storage::Storage& storage,
                                                   const std::string& root,
                                                   const std::string& select,
                                                   const TableLayout& layout,
                                                   const DataFileOptions& options, int64_t* rows);

/// The serialized (Delta partition value) form of a column as an SQL expression.
std::string PartitionValueExpr(const delta::Field& field);

}  // namespace tessera::engine
