#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

struct pg_conn;

namespace tessera::federation {

/// A column of a PostgreSQL table: its name and its type as information_schema names it, with
/// the DuckDB type tessera reads it as. Plain value.
struct PgColumn {
  std::string name;
  std::string pg_type;      // "integer", "numeric", "timestamp with time zone", "ARRAY", ...
  std::string duckdb_type;  // "INTEGER", "DECIMAL(10,2)", "TIMESTAMPTZ", "VARCHAR", ...
};

/// A table or view of a PostgreSQL database. Plain value.
struct PgTable {
  std::string schema;
  std::string name;
  std::vector<PgColumn> columns;
};

/// The DuckDB type a PostgreSQL column is read as: numbers, booleans, text, dates and times,
/// UUIDs and bytea as themselves (numeric(p,s) as DECIMAL(p,s) up to 38 digits),
/// anything else (intervals, arrays, json, enums, geometric types) as its text form, VARCHAR.
std::string DuckDbTypeForPg(std::string_view data_type, int64_t precision, int64_t scale);

/// `conninfo` with any password removed, for listings and messages ("host=db user=app").
/// kInvalidArgument when libpq cannot parse it (its message, which never repeats a password).
Result<std::string> RedactConninfo(std::string_view conninfo);

/// One libpq connection. Not thread-safe; closed on destruction.
class PgConnection {
 public:
  /// Connect (at most `timeout` for the connection; statements then stop after `timeout` too,
  /// via statement_timeout). The session is set to UTC and ISO dates so that text forms parse
  /// the same everywhere. kInvalidArgument for a malformed conninfo, kUnauthenticated for a
  /// refused password, kIoError when the server cannot be reached; messages never hold the
  /// password.
  static Result<std::unique_ptr<PgConnection>> Open(std::string_view conninfo,
                                                    std::chrono::seconds timeout);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Every table and view outside the system schemas (or only `only`: schema and table), with
  /// its columns, sorted.
  Result<std::vector<PgTable>> ListTables(
      std::optional<std::pair<std::string, std::string>> only = std::nullopt);
  /// Run `COPY (<query>) TO STDOUT (FORMAT csv)` and write the rows to `path` (replaced
  /// atomically; nothing is left behind on error). Return the bytes written. kIoError for
  /// server or file errors, with the server's message.
  Result<int64_t> CopyToFile(const std::string& query, const std::string& path);

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Status Error(std::string_view context) const;

  pg_conn* conn_;
};

/// Quote a PostgreSQL identifier ("a""b").
std::string PgIdentifier(std::string_view name);
/// Quote a PostgreSQL string literal ('it''s'); standard_conforming_strings is on since 9.1.
std::string PgLiteral(std::string_view text);

}  // namespace tessera::federation
