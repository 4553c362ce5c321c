#pragma once

#include <duckdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/column_type.h"
#include "tessera/engine/query_result.h"
#include "tessera/engine/scan_hints.h"

namespace tessera::engine {

class Connection;

/// One prepared SQL statement on a Connection, run any number of times with new parameter values
/// (the PostgreSQL extended protocol's named statements). Must not outlive its Connection. Not
/// thread-safe.
class Statement {
 public:
  /// Prepare exactly one statement. Return kInvalidArgument for an empty or multi-statement
  /// string, else StatusFromDuckdb's mapping of the prepare error.
  static Result<std::unique_ptr<Statement>> Prepare(Connection& connection, std::string_view sql);

  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  duckdb_statement_type type() const { return type_; }
  int64_t parameter_count() const { return parameter_count_; }
  /// The type DuckDB inferred for parameter `index` (0-based); DUCKDB_TYPE_INVALID when the
  /// statement does not constrain it (`SELECT $1`).
  duckdb_type parameter_type(int64_t index) const;
  /// Result columns as known before running; a statement whose result type depends on its
  /// parameters reports them as bound at prepare time.
  const std::vector<Column>& columns() const { return columns_; }
  /// DuckDB's logical type of result column `index`, owned by this statement.
  duckdb_logical_type column_logical_type(int64_t index) const { return logical_types_[index]; }

  /// The raw handle, for binding parameters (duckdb_bind_*).
  duckdb_prepared_statement handle() const { return statement_; }
  /// Forget every bound parameter value.
  Status ClearBindings();

  /// Run with the bound parameters, streaming; the result becomes the connection's active
  /// result (closed when anything else runs on it). Errors as Connection::Query.
  Result<std::unique_ptr<QueryResult>> Execute();

  /// Scan hints (scan_hints.h) that hold while this statement runs: DuckDB may bind again at
  /// execution (table functions such as delta_scan and mounted tables), and must then see the
  /// statement's own filters, not another's.
  void set_scan_hints(std::optional<ScanHints> hints) { scan_hints_ = std::move(hints); }

 private:
  Statement(Connection& connection, duckdb_prepared_statement statement);

  Connection& connection_;
  duckdb_prepared_statement statement_;
  duckdb_statement_type type_ = DUCKDB_STATEMENT_TYPE_INVALID;
  int64_t parameter_count_ = 0;
  std::vector<Column> columns_;
  std::vector<duckdb_logical_type> logical_types_;
  std::optional<ScanHints> scan_hints_;
};

}  // namespace tessera::engine
