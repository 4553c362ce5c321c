#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/delta/transaction.h"
#include "tessera/engine/database.h"
#include "tessera/storage/storage.h"

namespace tessera::engine {

/// kReplace: overwrite with the query's columns and partitioning (creating the table if it is
/// missing), like Spark's `overwriteSchema`; kOverwrite keeps the table's schema.
enum class WriteMode { kCreate, kAppend, kOverwrite, kReplace };

/// What to write into a Delta table. Plain value type.
struct WriteRequest {
  std::string table_root;
  std::string query;  // any DuckDB query; its columns become (or must match) the table's
  WriteMode mode = WriteMode::kAppend;
  std::vector<std::string> partition_columns;     // kCreate and kReplace
  std::map<std::string, std::string> properties;  // kCreate and kReplace (delta.* properties)
  std::optional<std::string> description;         // kCreate and kReplace
};

/// The outcome of a write.
struct WriteResult {
  int64_t version = 0;
  int64_t rows = 0;
  int64_t files = 0;
  int64_t bytes = 0;
};

/// Write a query's rows into a Delta table: DuckDB writes zstd Parquet files (one per partition
/// value), per-file stats come from `parquet_metadata` (first 32 columns, like Delta's default),
/// then one atomic commit adds them (and, for overwrite, removes every live file). Files are
/// written before the commit, so a crash leaves only unreferenced files that vacuum removes.
/// Errors: kAlreadyExists (create over a table), kNotFound (append to a missing table),
/// kInvalidArgument (columns that do not match the table, unsupported types), kConflict.
Result<WriteResult> WriteQuery(Connection& connection, storage::Storage& storage,
                               delta::CheckpointReader& reader, const WriteRequest& request);

/// The Delta type for a DuckDB column type ("BIGINT" -> long, "DECIMAL(10,2)" -> decimal,
/// "STRUCT(a INTEGER, b VARCHAR[])" -> struct<a: integer, b: array<string>>, MAP(K, V) -> map).
/// kInvalidArgument for types Delta cannot hold (UNION, ENUM, TIME, INTERVAL, UUID, unsigned or
/// huge integers inside nested types, ...).
Result<delta::DataType> DeltaTypeFor(const ColumnType& type);

/// Whether a (possibly nested) type holds a timestamp without time zone (the table then needs
/// the timestampNtz feature).
bool ContainsTimestampNtz(const delta::DataType& type);

}  // namespace tessera::engine
