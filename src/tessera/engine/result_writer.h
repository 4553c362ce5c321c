#pragma once

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"
#include "tessera/engine/row_formatter.h"

namespace tessera::engine {

/// Parse "table", "csv", "json" or "ndjson". Return kInvalidArgument for anything else.
Result<OutputFormat> ParseOutputFormat(std::string_view name);

/// How WriteQueryResult renders. Plain value.
struct WriteOptions {
  OutputFormat format = OutputFormat::kTable;
  /// kTable: the leading rows held back to size the columns; later rows stream through and may
  /// be wider than their column.
  int64_t table_width_rows = 1000;
};

/// Run `sql` (one or more statements; all but the last as Connection::Execute does) and stream
/// the last statement's rows to `out` as `options.format`. A query's cells are rendered by
/// DuckDB: cast to VARCHAR for table and CSV (NULL is empty; in CSV an empty string is ""), and
/// to_json for the JSON formats (numbers stay numbers, nested values become JSON, non-finite
/// doubles become strings). A last statement that is not a query (INSERT, EXPLAIN, CALL, PRAGMA)
/// is shown as it is if its columns are BOOLEAN, integers, FLOAT, DOUBLE or VARCHAR. Return the
/// number of rows written. Errors: Connection::Query's, kUnsupported for other column types of a
/// non-query, kIoError when writing fails; on error `out` may hold partial output.
Result<int64_t> WriteQueryResult(Connection& connection, std::string_view sql,
                                 const WriteOptions& options, std::ostream& out);
/// As above, writing to a stdio stream (not closed).
Result<int64_t> WriteQueryResult(Connection& connection, std::string_view sql,
                                 const WriteOptions& options, std::FILE* out);

/// File formats DuckDB writes itself.
enum class FileFormat {
  kCsv,      ///< with a header line
  kJson,     ///< one JSON array
  kNdjson,   ///< one JSON object per line
  kParquet,  ///< zstd-compressed
};

/// Run `sql` (all but the last statement as Connection::Execute does) and have DuckDB write the
/// last statement's result to the file `path` with COPY (overwriting it). Return the number of
/// rows written. Return kInvalidArgument if the last statement is not a query, else COPY's
/// errors (kIoError when the file cannot be written).
Result<int64_t> CopyQueryToFile(Connection& connection, std::string_view sql,
                                const std::string& path, FileFormat format);

}  // namespace tessera::engine
