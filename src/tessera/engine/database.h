#pragma once

#include <duckdb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/column_type.h"
#include "tessera/engine/query_result.h"

namespace tessera::engine {

/// How to open the node's DuckDB database. Plain value.
struct DatabaseOptions {
  /// Database file; empty for an in-memory database.
  std::string path;
  /// Worker threads; 0 for DuckDB's default (one per core).
  int32_t threads = 0;
  /// e.g. "2GB"; empty for DuckDB's default (80% of RAM).
  std::string memory_limit;
  /// Where DuckDB spills when over memory_limit; empty for DuckDB's default.
  std::string temp_directory;
  /// Any other DuckDB option by name (e.g. "access_mode" = "READ_ONLY"). Names are checked
  /// against DuckDB's list before opening.
  std::map<std::string, std::string> settings;
};

/// The node's one DuckDB database. Open it once and share it: every Connection is opened on it.
/// Must outlive its connections and everything they produced. Thread-safe.
class Database {
 public:
  /// Open (or create) the database. Return kInvalidArgument for an unknown option name or a value
  /// DuckDB rejects, kIoError if the file cannot be opened (e.g. locked by another process).
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// The raw handle, for engine code that registers functions or replacement scans.
  duckdb_database handle() const { return database_; }
  /// DuckDB's keywords, lower case (for quoting names in type descriptions).
  const KeywordSet& keywords() const { return keywords_; }

 private:
  explicit Database(duckdb_database database) : database_(database) {}

  duckdb_database database_;
  KeywordSet keywords_;
};

/// What a single statement would return, known without running it.
struct StatementInfo {
  duckdb_statement_type type = DUCKDB_STATEMENT_TYPE_INVALID;
  std::vector<Column> columns;
  int64_t parameter_count = 0;
};

/// One session on the Database: its own transaction state, settings and at most one active
/// QueryResult. Not thread-safe, except Interrupt() and Progress(), which another thread may call
/// while a statement runs. Must not outlive its Database; its results must not outlive it.
class Connection {
 public:
  /// Connect to `database`, with the progress bar tracked (for Progress) but never printed.
  /// Return kInternal if DuckDB refuses.
  static Result<std::unique_ptr<Connection>> Open(Database& database);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Run one or more statements (separated by ';') whose results are not needed, in order, each
  /// in autocommit unless inside an explicit transaction. A syntax error anywhere runs nothing;
  /// another error stops at that statement (earlier ones stay done). Results are materialized
  /// and dropped, so use Query for large SELECTs. Errors are StatusFromDuckdb's mapping.
  Status Execute(std::string_view sql);

  /// Run the statements of `sql`: all but the last as Execute does, then the last with streaming
  /// execution, whose rows the returned result yields chunk by chunk. Return kInvalidArgument for
  /// an empty string, else StatusFromDuckdb's mapping (kCancelled when interrupted).
  Result<std::unique_ptr<QueryResult>> Query(std::string_view sql);

  /// Run `sql` (as Query) and return the first column of its first row as text, as DuckDB casts
  /// it to VARCHAR. Return nullopt for SQL NULL or no rows. For a multi-statement string or a
  /// non-query, only BOOLEAN, integer (up to 64 bits), FLOAT, DOUBLE and VARCHAR columns are
  /// rendered; others give kUnsupported (cast them in SQL).
  Result<std::optional<std::string>> QueryScalarString(std::string_view sql);

  /// Prepare (not run) a single statement and describe its result. Return kInvalidArgument for
  /// an empty or multi-statement string and for errors DuckDB reports.
  Result<StatementInfo> Describe(std::string_view sql);

  /// Count the statements in `sql` without running them. Return the parser's error as
  /// kInvalidArgument.
  Result<int64_t> CountStatements(std::string_view sql);

  /// Ask the running statement to stop; it then fails with kCancelled and the connection stays
  /// usable. Thread-safe. Does nothing if nothing runs; a statement that starts afterwards is not
  /// affected.
  void Interrupt();

  /// The running statement's progress in percent [0, 100], or -1 when DuckDB cannot tell (no
  /// statement, table functions such as range(), or the first moments of a query). Thread-safe.
  double Progress();

  /// The raw handle, for engine code (registering functions, appenders). Call
  /// CloseActiveResult() before running anything through it.
  duckdb_connection handle() const { return connection_; }
  Database& database() const { return database_; }

  /// Mark the active QueryResult closed: DuckDB closes a streaming result when anything else
  /// runs on its connection, and a closed result would look merely exhausted, so its Fetch fails
  /// with kInvalidArgument instead. Every method here calls it before running a statement.
  void CloseActiveResult();

  /// Make `result` (just executed on this connection) its active result. Engine-internal.
  void Adopt(QueryResult* result);

 private:
  friend class QueryResult;
  Connection(Database& database, duckdb_connection connection)
      : database_(database), connection_(connection) {}
  void ForgetResult(QueryResult* result);
  /// Run a prepared statement to completion and drop its result.
  Status ExecuteMaterialized(duckdb_prepared_statement statement);

  Database& database_;
  duckdb_connection connection_;
  QueryResult* active_result_ = nullptr;
};

}  // namespace tessera::engine
