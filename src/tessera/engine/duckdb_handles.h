#pragma once

#include <duckdb.h>

namespace tessera::engine::internal {

/// Owns a duckdb_prepared_statement (also after a failed prepare, which allocates one too).
class PreparedStatement {
 public:
  PreparedStatement() = default;
  ~PreparedStatement() { duckdb_destroy_prepare(&statement_); }
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  duckdb_prepared_statement get() const { return statement_; }
  duckdb_prepared_statement* out() { return &statement_; }

 private:
  duckdb_prepared_statement statement_ = nullptr;
};

/// Owns the statements split by duckdb_extract_statements.
class ExtractedStatements {
 public:
  ExtractedStatements() = default;
  ~ExtractedStatements() { duckdb_destroy_extracted(&statements_); }
  ExtractedStatements(const ExtractedStatements&) = delete;
  ExtractedStatements& operator=(const ExtractedStatements&) = delete;
  duckdb_extracted_statements get() const { return statements_; }
  duckdb_extracted_statements* out() { return &statements_; }

 private:
  duckdb_extracted_statements statements_ = nullptr;
};

/// Owns a (materialized) duckdb_result.
class MaterializedResult {
 public:
  MaterializedResult() = default;
  ~MaterializedResult() { duckdb_destroy_result(&result_); }
  MaterializedResult(const MaterializedResult&) = delete;
  MaterializedResult& operator=(const MaterializedResult&) = delete;
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

}  // namespace tessera::engine::internal
