#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/principal.h"
#include "tessera/common/result.h"
#include "tessera/engine/database.h"
#include "tessera/engine/query_result.h"

namespace tessera::access {

class AccessStore;
class AuditLog;

/// What one query did, for the audit log. Plain value.
struct QueryOutcome {
  int64_t rows = 0;
  std::chrono::microseconds duration{0};
  Status status;
};

/// One principal's SQL session on the node: its own DuckDB connection, on which only the tables
/// the principal is granted exist under their three-part names. Every port (pgwire, HTTP SQL,
/// later GraphQL and exports) runs SQL through one of these, so grants and the audit log hold
/// the same way everywhere. Not thread-safe, except connection().Interrupt().
class QuerySession {
 public:
  virtual ~QuerySession() = default;

  const Principal& principal() const { return principal_; }
  const std::string& port() const { return port_; }
  engine::Connection& connection() { return *connection_; }

  /// Check that the principal may run `sql` (one or more statements) and make the tables it
  /// names queryable. Return kNotFound ("relation \"x\" does not exist") for a table that does
  /// not exist or is not granted (the two are indistinguishable on purpose), kPermissionDenied
  /// for statements a non-admin may not run (writes, DDL, ATTACH, COPY, file-reading
  /// functions, settings other than the harmless ones), kInvalidArgument for syntax errors.
  Status Prepare(std::string_view sql);

  /// Prepare, then run `sql` streaming (as engine::Connection::Query).
  Result<std::unique_ptr<engine::QueryResult>> Query(std::string_view sql);

  /// Append one record to the audit log (principal, port, SQL, rows, duration, result). Audit
  /// failures are logged, never returned: a full disk must not turn reads into errors.
  void Audit(std::string_view sql, const QueryOutcome& outcome);

  /// The tables this principal may see, as "domain.product.table", sorted.
  const std::vector<std::string>& visible_tables() const { return visible_tables_; }

 private:
  friend class QueryGateway;
  QuerySession() = default;

  Principal principal_;
  std::string port_;
  std::string data_dir_;
  AuditLog* audit_ = nullptr;
  std::vector<std::string> visible_tables_;
  std::vector<std::string> attached_;
  std::unique_ptr<engine::Connection> connection_;
};

/// Opens QuerySessions on the node's Database for authenticated principals. Thread-safe; must
/// outlive the sessions it opened.
class QueryGateway {
 public:
  /// `database` must have the Delta SQL functions registered; `store` and `audit` must outlive
  /// the gateway.
  QueryGateway(engine::Database& database, AccessStore& store, AuditLog& audit,
               std::string data_dir);

  /// Open a session for `principal` on port `port` ("pgwire", "http"). Return kIoError if the
  /// data directory cannot be listed, kInternal if DuckDB refuses a connection.
  Result<std::unique_ptr<QuerySession>> Open(const Principal& principal, std::string port);

  AccessStore& store() { return store_; }

 private:
  engine::Database& database_;
  AccessStore& store_;
  AuditLog& audit_;
  std::string data_dir_;
};

}  // namespace tessera::access
