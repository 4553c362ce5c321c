#include "tessera/engine/statement.h"

#include <string>

#include "tessera/engine/database.h"
#include "tessera/engine/duckdb_handles.h"
#include "tessera/engine/error.h"

namespace tessera::engine {

Result<std::unique_ptr<Statement>> Statement::Prepare(Connection& connection,
                                                      std::string_view sql) {
  connection.CloseActiveResult();
  internal::ExtractedStatements statements;
  std::string text(sql);
  idx_t count = duckdb_extract_statements(connection.handle(), text.c_str(), statements.out());
  if (count == 0) {
    if (const char* error = duckdb_extract_statements_error(statements.get()))
      return StatusFromDuckdbMessage(error);
    return Status::InvalidArgument("no SQL statement to prepare");
  }
  if (count != 1) {
    return Status::InvalidArgument("cannot prepare " + std::to_string(count) +
                                   " statements at once");
  }
  duckdb_prepared_statement prepared = nullptr;
  if (duckdb_prepare_extracted_statement(connection.handle(), statements.get(), 0, &prepared) !=
      DuckDBSuccess) {
    Status status = StatusFromDuckdbMessage(duckdb_prepare_error(prepared));
    duckdb_destroy_prepare(&prepared);
    return status;
  }
  return std::unique_ptr<Statement>(new Statement(connection, prepared));
}

Statement::Statement(Connection& connection, duckdb_prepared_statement statement)
    : connection_(connection), statement_(statement) {
  type_ = duckdb_prepared_statement_type(statement_);
  parameter_count_ = static_cast<int64_t>(duckdb_nparams(statement_));
  idx_t columns = duckdb_prepared_statement_column_count(statement_);
  for (idx_t i = 0; i < columns; ++i) {
    duckdb_logical_type type = duckdb_prepared_statement_column_logical_type(statement_, i);
    // This name, unlike a result's column name, is a copy the caller frees.
    const char* name = duckdb_prepared_statement_column_name(statement_, i);
    columns_.push_back(Column{name != nullptr ? name : "",
                              DescribeLogicalType(type, connection.database().keywords())});
    duckdb_free(const_cast<char*>(name));
    logical_types_.push_back(type);
  }
}

Statement::~Statement() {
  for (duckdb_logical_type& type : logical_types_)
    duckdb_destroy_logical_type(&type);
  duckdb_destroy_prepare(&statement_);
}

duckdb_type Statement::parameter_type(int64_t index) const {
  // duckdb_param_type counts parameters from 1.
  return duckdb_param_type(statement_, static_cast<idx_t>(index + 1));
}

Status Statement::ClearBindings() {
  if (duckdb_clear_bindings(statement_) != DuckDBSuccess)
    return Status::Internal("DuckDB could not clear the statement's parameters");
  return Status::OK();
}

Result<std::unique_ptr<QueryResult>> Statement::Execute() {
  ScopedScanHints hints(scan_hints_);
  connection_.CloseActiveResult();
  TESSERA_ASSIGN_OR_RETURN(
      std::unique_ptr<QueryResult> result,
      QueryResult::ExecuteStreaming(statement_, connection_.database().keywords()));
  connection_.Adopt(result.get());
  return result;
}

}  // namespace tessera::engine
