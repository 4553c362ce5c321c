#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tessera/engine/query_result.h"
#include "tessera/engine/statement.h"
#include "tessera/ports/pgwire/commands.h"
#include "tessera/ports/pgwire/connection.h"
#include "tessera/ports/pgwire/pg_types.h"
#include "tessera/ports/pgwire/row_encoder.h"

// Private to the Connection implementation (connection.cc, query_execution.cc,
// session_commands.cc), which is split by protocol phase.

namespace tessera::ports::pgwire {

namespace internal {

/// Whether a statement of this type streams rows (RowDescription + DataRows).
bool ReturnsRows(duckdb_statement_type type);
/// Whether its result is a row count (INSERT/UPDATE/DELETE) for the command tag.
bool CountsRows(duckdb_statement_type type);
/// The OID a ParameterDescription reports for a parameter DuckDB inferred as `type`.
uint32_t OidForParameter(duckdb_type type);
/// Rows the port streams through an output buffer are flushed to the socket past this size.
inline constexpr size_t kFlushBytes = 256 << 10;
/// Values (rows x columns) an open cursor or suspended portal may hold in memory when another
/// statement runs before it is read to the end; past it the cursor fails with SQLSTATE 53200.
inline constexpr int64_t kMaxHeldValues = 64 << 20;

}  // namespace internal

struct Connection::Prepared {
  std::string sql;
  Command command;
  std::unique_ptr<engine::Statement> statement;
  bool returns_rows = false;
  std::vector<std::string> names;
  std::vector<WireColumn> columns;
  std::vector<uint32_t> parameter_types;
};

struct Connection::Portal {
  std::shared_ptr<Prepared> prepared;
  std::vector<int16_t> formats;
  std::unique_ptr<engine::QueryResult> result;
  std::optional<RowEncoder> encoder;
  std::unique_ptr<engine::DataChunk> chunk;
  int64_t chunk_offset = 0;
  int64_t rows_sent = 0;
  bool started = false;
  bool finished = false;
  /// A DECLARE ... WITH HOLD cursor, and whether it has already outlived a COMMIT.
  bool holdable = false;
  bool held_before = false;
  std::string tag;
  std::chrono::steady_clock::time_point start;
};

// Interrupts the session's statement when statement_timeout passes.
struct Connection::Watchdog {
  std::mutex mutex;
  std::condition_variable wake;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool stop = false;
  std::thread thread;
};

}  // namespace tessera::ports::pgwire
