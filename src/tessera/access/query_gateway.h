#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/confined_storage.h"
#include "tessera/access/principal.h"
#include "tessera/access/session_extension.h"
#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/database.h"
#include "tessera/engine/query_result.h"
#include "tessera/engine/statement.h"

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
  ~QuerySession();
  QuerySession(const QuerySession&) = delete;
  QuerySession& operator=(const QuerySession&) = delete;

  const Principal& principal() const { return principal_; }
  const std::string& port() const { return port_; }
  engine::Connection& connection() { return *connection_; }

  /// Check that the principal may run `sql` (one or more statements) and make the tables it
  /// names queryable. Return kNotFound ("relation \"x\" does not exist") for a table that does
  /// not exist or is not granted (the two are indistinguishable on purpose), kPermissionDenied
  /// for statements a non-admin may not run (writes, DDL, ATTACH, COPY, file-reading
  /// functions, settings other than the harmless ones), kInvalidArgument for syntax errors.
  Status Prepare(std::string_view sql);

  /// Prepare one statement (no ';'-separated list) after the checks of Prepare, for running
  /// many times with parameters. Errors as Prepare. The simple filters of a one-table query
  /// (engine/scan_hints.h) hold while it binds: local Delta scans skip files, mounted remote
  /// tables ask their server for fewer. A port that wraps a client's statement (a projection
  /// over it) passes the client's text as `hints_from`.
  Result<std::unique_ptr<engine::Statement>> PrepareStatement(
      std::string_view statement, std::optional<std::string_view> hints_from = std::nullopt);

  /// Prepare, then run `sql`: all statements but the last to completion, the last streaming
  /// (as engine::Connection::Query).
  Result<std::unique_ptr<engine::QueryResult>> Query(std::string_view sql);

  /// Append one record to the audit log (principal, port, SQL, rows, duration, result). Audit
  /// failures are logged, never returned: a full disk must not turn reads into errors.
  void Audit(std::string_view sql, const QueryOutcome& outcome);

  /// The tables this principal may see, sorted by name.
  const std::vector<engine::TableName>& visible_tables() const { return visible_tables_; }
  /// The domains of the visible tables (each an attached catalog), sorted.
  std::vector<std::string> visible_domains() const;

  /// A folder only this session uses (removed when it closes), inside its sandbox: where DuckDB
  /// spills and where a port may have DuckDB write a result file (Parquet).
  const std::string& scratch_dir() const { return scratch_dir_; }

  /// Forget which table views exist: a rolled-back transaction drops the views it created, so
  /// the next Prepare creates them again.
  void ForgetAttachedTables() { attached_.clear(); }

 private:
  friend class QueryGateway;
  QuerySession() = default;

  /// Create the views of the visible tables that `sql` names (all of them for catalog queries).
  Status AttachTablesFor(std::string_view sql);

  Principal principal_;
  std::string port_;
  std::string data_dir_;
  std::string scratch_dir_;
  AuditLog* audit_ = nullptr;
  std::vector<engine::TableName> visible_tables_;
  // Views of extension tables (mounts) by "catalog.schema.table"; other tables are local.
  std::map<std::string, std::string> extension_views_;
  engine::TablePins pins_;
  std::set<std::string> attached_;
  // What the Delta SQL functions read through (confined to the granted tables for non-admins).
  std::unique_ptr<ConfinedStorage> confined_storage_;
  // Declared in destruction order: the connection closes before its database, the checkpoint
  // reader (which holds its own connection) before the database too.
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::DuckdbCheckpointReader> reader_;
  std::unique_ptr<engine::Connection> connection_;
};

/// Limits for every session. Plain value.
struct SessionLimits {
  /// DuckDB memory limit per session, e.g. "1GB"; empty for DuckDB's default.
  std::string memory_limit = "2GB";
  /// DuckDB worker threads per session; 0 for one per core.
  int32_t threads = 0;
  /// Where sessions spill when over their memory limit; empty for a folder of each session's own
  /// under `<data-dir>/tmp/`, removed when the session ends.
  std::string temp_directory;
};

/// Opens QuerySessions for authenticated principals. Each session gets its own in-memory DuckDB
/// database holding only the principal's tables: a non-admin session then runs with DuckDB's
/// external access off and `allowed_directories` set to those tables' folders, so no SQL (file
/// functions, delta_scan of another path, COPY) reaches anything else on disk. Thread-safe; must
/// outlive the sessions it opened.
class QueryGateway {
 public:
  /// `store` and `audit` must outlive the gateway.
  QueryGateway(AccessStore& store, AuditLog& audit, std::string data_dir,
               SessionLimits limits = {});

  /// Open a session for `principal` on port `port` ("pgwire", "http"): its database, the Delta
  /// SQL functions, the domains it may see attached. Return kIoError if the data directory cannot
  /// be listed, kInternal if DuckDB refuses.
  Result<std::unique_ptr<QuerySession>> Open(const Principal& principal, std::string port);

  /// Offer `extension`'s tables to sessions opened from now on (it must outlive the gateway).
  void AddExtension(SessionExtension* extension) { extensions_.push_back(extension); }

  /// Read product tables at the versions `products` pins (engine::TablePins) in sessions opened
  /// from now on; without it every table reads at its latest version. Must outlive the gateway.
  void SetProductStore(catalog::ProductStore* products) { products_ = products; }

  AccessStore& store() { return store_; }
  AuditLog& audit() { return audit_; }
  const std::string& data_dir() const { return data_dir_; }

 private:
  AccessStore& store_;
  AuditLog& audit_;
  std::string data_dir_;
  SessionLimits limits_;
  std::vector<SessionExtension*> extensions_;
  catalog::ProductStore* products_ = nullptr;
};

}  // namespace tessera::access
