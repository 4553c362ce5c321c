#pragma once

#include <duckdb.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/column_type.h"

namespace tessera::engine {

class Connection;

/// One chunk of result rows (at most duckdb_vector_size() = 2048) in DuckDB's columnar layout.
/// Owns its duckdb_data_chunk; independent of the result it came from once fetched. Not
/// thread-safe; read-only use from several threads is fine.
class DataChunk {
 public:
  /// Take ownership of `chunk` (not null).
  explicit DataChunk(duckdb_data_chunk chunk);
  ~DataChunk();
  DataChunk(const DataChunk&) = delete;
  DataChunk& operator=(const DataChunk&) = delete;

  int64_t row_count() const;
  int64_t column_count() const;
  /// The raw vector of a column, valid while the chunk lives; read it with the duckdb_vector_*
  /// functions according to the column's type.
  duckdb_vector vector(int64_t column) const;
  /// Whether the cell is SQL NULL.
  bool IsNull(int64_t column, int64_t row) const;
  /// The bytes of a VARCHAR or BLOB cell (not NULL), valid while the chunk lives.
  std::string_view GetString(int64_t column, int64_t row) const;
  /// The value of a BIGINT cell (not NULL).
  int64_t GetInt64(int64_t column, int64_t row) const;
  duckdb_data_chunk handle() const { return chunk_; }

 private:
  duckdb_data_chunk chunk_;
};

/// The streaming result of one query: rows are computed as Fetch() asks for them, never all held
/// in memory. Created by Connection::Query. It must not outlive its Connection, and it is closed
/// (Fetch fails) as soon as another statement runs on that connection: DuckDB allows one active
/// result per connection, unless KeepAcrossStatements was called. Not thread-safe
/// (Connection::Interrupt stops it from another thread).
class QueryResult {
 public:
  ~QueryResult();
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;

  int64_t column_count() const { return static_cast<int64_t>(columns_.size()); }
  const std::vector<Column>& columns() const { return columns_; }
  const std::string& column_name(int64_t column) const { return columns_[column].name; }
  const ColumnType& column_type(int64_t column) const { return columns_[column].type; }
  /// DuckDB's logical type of a column, owned by this result (do not destroy it).
  duckdb_logical_type logical_type(int64_t column) const { return logical_types_[column]; }
  /// True when DuckDB streams the rows (always, for results of Connection::Query).
  bool is_streaming() const;
  /// Rows returned by Fetch() so far.
  int64_t rows_fetched() const { return rows_fetched_; }

  /// Fetch the next chunk of rows; nullptr once the result is exhausted. Return kCancelled if
  /// the query was interrupted, other codes as StatusFromDuckdb maps DuckDB's error, and
  /// kInvalidArgument if the result was closed by another statement on the connection.
  Result<std::unique_ptr<DataChunk>> Fetch();

  /// Survive another statement on the connection (an open cursor while the client runs other
  /// queries): when one starts, the rows not yet fetched are computed and held in memory, and
  /// Fetch goes on returning them. Past `max_values` held cells the rest is dropped and Fetch
  /// fails with an out-of-memory error instead, so one cursor cannot take the node's memory.
  void KeepAcrossStatements(int64_t max_values) { keep_max_values_ = max_values; }

  /// Run a prepared statement (still owned by the caller) with DuckDB's streaming execution.
  /// Engine-internal: Connection::Query is the public way in.
  static Result<std::unique_ptr<QueryResult>> ExecuteStreaming(duckdb_prepared_statement statement,
                                                               const KeywordSet& keywords);

 private:
  friend class Connection;
  QueryResult(duckdb_result result, const KeywordSet& keywords);
  /// Called by the Connection when another statement starts and DuckDB closes this result.
  void MarkClosed() { closed_ = true; }
  /// Called instead of MarkClosed when the result is kept across statements: fetch the rest.
  void BufferRemaining();
  /// The next chunk from DuckDB (not from the buffer).
  Result<std::unique_ptr<DataChunk>> FetchFromDuckdb();

  duckdb_result result_;
  Connection* connection_ = nullptr;  // set by Connection::Query; cleared when closed
  std::vector<Column> columns_;
  std::vector<duckdb_logical_type> logical_types_;
  int64_t rows_fetched_ = 0;
  bool finished_ = false;
  bool closed_ = false;
  Status error_;  // repeated by Fetch once DuckDB reported it
  int64_t keep_max_values_ = 0;
  // Rows fetched from DuckDB by BufferRemaining, not yet returned by Fetch.
  std::deque<std::unique_ptr<DataChunk>> buffered_;
};

}  // namespace tessera::engine
