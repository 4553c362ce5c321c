#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/engine/database.h"
#include "tessera/storage/storage.h"

namespace tessera::engine {

/// What a row-level write did.
struct DmlResult {
  int64_t version = -1;  // -1 when nothing matched and nothing was committed
  int64_t rows_deleted = 0;
  int64_t rows_updated = 0;
  int64_t rows_inserted = 0;
  int64_t rows_copied = 0;  // unchanged rows rewritten with their file
  int64_t files_removed = 0;
  int64_t files_added = 0;
};

/// Delete the rows for which `predicate` (an SQL boolean expression over the table's columns) is
/// true. Copy-on-write: every file holding a matching row is rewritten without those rows, in one
/// commit; with `delta.enableChangeDataFeed` the deleted rows also go to `_change_data/`. Rows
/// where the predicate is NULL stay. Errors: kNotFound (no table), kInvalidArgument (a predicate
/// DuckDB rejects), kConflict (a concurrent write touched the table).
Result<DmlResult> DeleteRows(Connection& connection, storage::Storage& storage,
                             delta::CheckpointReader& reader, const std::string& table_root,
                             const std::string& predicate);

/// Set columns to expressions (`assignments`: column, SQL expression over the old row) in the
/// rows matching `predicate` ("true" for all). Rewrites affected files in one commit; the change
/// feed gets update_preimage / update_postimage rows. Same errors as DeleteRows, plus
/// kInvalidArgument for unknown columns.
Result<DmlResult> UpdateRows(Connection& connection, storage::Storage& storage,
                             delta::CheckpointReader& reader, const std::string& table_root,
                             const std::vector<std::pair<std::string, std::string>>& assignments,
                             const std::string& predicate);

/// Upsert: rows of `source_query` (the table's columns, by name) whose key columns match a table
/// row replace it; the others are inserted. Files holding matched rows are rewritten; one commit.
/// kInvalidArgument if two source rows share a key or the columns differ from the table's.
Result<DmlResult> MergeRows(Connection& connection, storage::Storage& storage,
                            delta::CheckpointReader& reader, const std::string& table_root,
                            const std::string& source_query, const std::vector<std::string>& keys);

}  // namespace tessera::engine
