#include "tessera/engine/database.h"

#include <set>
#include <string>

#include "tessera/common/strings.h"
#include "tessera/engine/cell_format.h"
#include "tessera/engine/duckdb_handles.h"
#include "tessera/engine/error.h"
#include "tessera/engine/sql_text.h"

namespace tessera::engine {
namespace {

using internal::ExtractedStatements;
using internal::MaterializedResult;
using internal::PreparedStatement;

// An unknown name passes duckdb_set_config and only fails duckdb_open_ext with a message that
// lists every unknown name at once; checking first names the culprit and opens nothing.
Status CheckSettingNames(const std::map<std::string, std::string>& settings) {
  std::set<std::string> known;
  size_t count = duckdb_config_count();
  for (size_t i = 0; i < count; ++i) {
    const char* name = nullptr;
    const char* description = nullptr;
    if (duckdb_get_config_flag(i, &name, &description) == DuckDBSuccess && name != nullptr)
      known.insert(ToLower(name));
  }
  for (const auto& [name, value] : settings) {
    if (known.count(ToLower(name)) == 0)
      return Status::InvalidArgument("unknown DuckDB setting '" + name + "'");
  }
  return Status::OK();
}

class Config {
 public:
  Config() { duckdb_create_config(&config_); }
  ~Config() { duckdb_destroy_config(&config_); }
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
  Status Set(const std::string& name, const std::string& value) {
    if (duckdb_set_config(config_, name.c_str(), value.c_str()) != DuckDBSuccess)
      return Status::InvalidArgument("invalid DuckDB setting " + name + "=" + value);
    return Status::OK();
  }
  duckdb_config get() const { return config_; }

 private:
  duckdb_config config_ = nullptr;
};

Status RunMaterialized(duckdb_connection connection, const char* sql) {
  MaterializedResult result;
  if (duckdb_query(connection, sql, result.get()) != DuckDBSuccess)
    return StatusFromDuckdb(duckdb_result_error_type(result.get()),
                            duckdb_result_error(result.get()));
  return Status::OK();
}

Result<KeywordSet> LoadKeywords(duckdb_database database) {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database, &connection) != DuckDBSuccess)
    return Status::Internal("cannot connect to the DuckDB database");
  KeywordSet keywords;
  MaterializedResult result;
  Status status;
  if (duckdb_query(connection, "SELECT lower(keyword_name) FROM duckdb_keywords()", result.get()) !=
      DuckDBSuccess) {
    status =
        StatusFromDuckdb(duckdb_result_error_type(result.get()), duckdb_result_error(result.get()));
  } else {
    while (duckdb_data_chunk raw = duckdb_fetch_chunk(*result.get())) {
      DataChunk chunk(raw);
      for (int64_t row = 0; row < chunk.row_count(); ++row)
        keywords.emplace(chunk.GetString(0, row));
    }
  }
  duckdb_disconnect(&connection);
  if (!status.ok())
    return status;
  return keywords;
}

Status PrepareExtracted(duckdb_connection connection, const ExtractedStatements& statements,
                        idx_t index, PreparedStatement& prepared) {
  if (duckdb_prepare_extracted_statement(connection, statements.get(), index, prepared.out()) !=
      DuckDBSuccess) {
    return StatusFromDuckdbMessage(duckdb_prepare_error(prepared.get()));
  }
  return Status::OK();
}

// Split `sql` into statements; zero statements is an error only if the parser said so.
Result<idx_t> Extract(duckdb_connection connection, std::string_view sql,
                      ExtractedStatements& statements) {
  std::string text(sql);
  idx_t count = duckdb_extract_statements(connection, text.c_str(), statements.out());
  if (count == 0) {
    if (const char* error = duckdb_extract_statements_error(statements.get()))
      return StatusFromDuckdbMessage(error);
  }
  return count;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (options.threads < 0)
    return Status::InvalidArgument("threads must be >= 0");
  TESSERA_RETURN_NOT_OK(CheckSettingNames(options.settings));
  Config config;
  if (options.threads > 0)
    TESSERA_RETURN_NOT_OK(config.Set("threads", std::to_string(options.threads)));
  if (!options.memory_limit.empty())
    TESSERA_RETURN_NOT_OK(config.Set("memory_limit", options.memory_limit));
  if (!options.temp_directory.empty())
    TESSERA_RETURN_NOT_OK(config.Set("temp_directory", options.temp_directory));
  for (const auto& [name, value] : options.settings)
    TESSERA_RETURN_NOT_OK(config.Set(name, value));

  duckdb_database handle = nullptr;
  char* error = nullptr;
  const char* path = options.path.empty() ? nullptr : options.path.c_str();
  if (duckdb_open_ext(path, &handle, config.get(), &error) != DuckDBSuccess) {
    Status status = StatusFromDuckdbMessage(error);
    duckdb_free(error);
    return status.WithContext("opening DuckDB database '" + options.path + "'");
  }
  std::unique_ptr<Database> database(new Database(handle));
  TESSERA_ASSIGN_OR_RETURN(database->keywords_, LoadKeywords(handle));
  return database;
}

Database::~Database() { duckdb_close(&database_); }

Result<std::unique_ptr<Connection>> Connection::Open(Database& database) {
  duckdb_connection handle = nullptr;
  if (duckdb_connect(database.handle(), &handle) != DuckDBSuccess)
    return Status::Internal("cannot connect to the DuckDB database");
  std::unique_ptr<Connection> connection(new Connection(database, handle));
  // duckdb_query_progress stays -1 unless the session tracks the progress bar; the database-level
  // option does not reach sessions, so set it here (and never let DuckDB print it on stdout).
  TESSERA_RETURN_NOT_OK(RunMaterialized(
      handle, "SET enable_progress_bar = true; SET enable_progress_bar_print = false"));
  return connection;
}

Connection::~Connection() {
  // Closing: a kept result has nobody left to read its rest, so it is not computed.
  if (active_result_ != nullptr)
    active_result_->KeepAcrossStatements(0);
  CloseActiveResult();
  duckdb_disconnect(&connection_);
}

void Connection::CloseActiveResult() {
  if (active_result_ != nullptr) {
    if (active_result_->keep_max_values_ > 0)
      active_result_->BufferRemaining();
    active_result_->MarkClosed();
    active_result_->connection_ = nullptr;
    active_result_ = nullptr;
  }
}

void Connection::ForgetResult(QueryResult* result) {
  if (active_result_ == result)
    active_result_ = nullptr;
}

Status Connection::ExecuteMaterialized(duckdb_prepared_statement statement) {
  MaterializedResult result;
  if (duckdb_execute_prepared(statement, result.get()) != DuckDBSuccess)
    return StatusFromDuckdb(duckdb_result_error_type(result.get()),
                            duckdb_result_error(result.get()));
  return Status::OK();
}

Status Connection::Execute(std::string_view sql) {
  CloseActiveResult();
  ExtractedStatements statements;
  TESSERA_ASSIGN_OR_RETURN(idx_t count, Extract(connection_, sql, statements));
  for (idx_t i = 0; i < count; ++i) {
    PreparedStatement prepared;
    TESSERA_RETURN_NOT_OK(PrepareExtracted(connection_, statements, i, prepared));
    TESSERA_RETURN_NOT_OK(ExecuteMaterialized(prepared.get()));
  }
  return Status::OK();
}

Result<std::unique_ptr<QueryResult>> Connection::Query(std::string_view sql) {
  CloseActiveResult();
  ExtractedStatements statements;
  TESSERA_ASSIGN_OR_RETURN(idx_t count, Extract(connection_, sql, statements));
  if (count == 0)
    return Status::InvalidArgument("no SQL statement to run");
  for (idx_t i = 0; i + 1 < count; ++i) {
    PreparedStatement prepared;
    TESSERA_RETURN_NOT_OK(PrepareExtracted(connection_, statements, i, prepared));
    TESSERA_RETURN_NOT_OK(ExecuteMaterialized(prepared.get()));
  }
  PreparedStatement last;
  TESSERA_RETURN_NOT_OK(PrepareExtracted(connection_, statements, count - 1, last));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<QueryResult> result,
                           QueryResult::ExecuteStreaming(last.get(), database_.keywords()));
  Adopt(result.get());
  return result;
}

void Connection::Adopt(QueryResult* result) {
  result->connection_ = this;
  active_result_ = result;
}

Result<std::optional<std::string>> Connection::QueryScalarString(std::string_view sql) {
  std::string wrapped;
  if (SplitStatements(sql).size() == 1) {
    TESSERA_ASSIGN_OR_RETURN(StatementInfo info, Describe(sql));
    // Let DuckDB render what FormatPrimitiveCell cannot (HUGEINT sums, DECIMAL, DATE, ...).
    if (info.type == DUCKDB_STATEMENT_TYPE_SELECT && !info.columns.empty() &&
        !IsPrimitiveType(info.columns[0].type.id)) {
      wrapped = "SELECT CAST(#1 AS VARCHAR) FROM (\n" + std::string(sql) + "\n) AS tessera_query";
    }
  }
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<QueryResult> result,
                           Query(wrapped.empty() ? sql : wrapped));
  if (result->column_count() == 0)
    return Status::InvalidArgument("the statement returns no columns");
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<DataChunk> chunk, result->Fetch());
  if (chunk == nullptr)
    return std::optional<std::string>();
  return FormatPrimitiveCell(*chunk, 0, 0, result->column_type(0));
}

Result<StatementInfo> Connection::Describe(std::string_view sql) {
  CloseActiveResult();
  ExtractedStatements statements;
  TESSERA_ASSIGN_OR_RETURN(idx_t count, Extract(connection_, sql, statements));
  if (count != 1) {
    return Status::InvalidArgument("expected one SQL statement, got " + std::to_string(count));
  }
  PreparedStatement prepared;
  TESSERA_RETURN_NOT_OK(PrepareExtracted(connection_, statements, 0, prepared));
  StatementInfo info;
  info.type = duckdb_prepared_statement_type(prepared.get());
  info.parameter_count = static_cast<int64_t>(duckdb_nparams(prepared.get()));
  idx_t columns = duckdb_prepared_statement_column_count(prepared.get());
  for (idx_t i = 0; i < columns; ++i) {
    duckdb_logical_type type = duckdb_prepared_statement_column_logical_type(prepared.get(), i);
    // This name, unlike a result's column name, is a copy the caller frees.
    const char* name = duckdb_prepared_statement_column_name(prepared.get(), i);
    info.columns.push_back(
        Column{name != nullptr ? name : "", DescribeLogicalType(type, database_.keywords())});
    duckdb_free(const_cast<char*>(name));
    duckdb_destroy_logical_type(&type);
  }
  return info;
}

Result<int64_t> Connection::CountStatements(std::string_view sql) {
  ExtractedStatements statements;
  TESSERA_ASSIGN_OR_RETURN(idx_t count, Extract(connection_, sql, statements));
  return static_cast<int64_t>(count);
}

void Connection::Interrupt() { duckdb_interrupt(connection_); }

double Connection::Progress() { return duckdb_query_progress(connection_).percentage; }

}  // namespace tessera::engine
