#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/session_extension.h"
#include "tessera/federation/mount_store.h"
#include "tessera/federation/scan_memo.h"

namespace tessera::federation {

/// Connect with `conninfo`, list its tables and views, and store it as mount `name` (kind
/// "postgres"). The connection string, password included, is kept in the catalog only; listings
/// show it without the password. Errors: CheckMountName's, the connection's (kInvalidArgument
/// for a malformed string, kUnauthenticated, kIoError), kAlreadyExists. `timeout_seconds` > 0
/// is kept with the mount and replaces the node's timeout for its queries.
Result<Mount> AddPostgresMount(MountStore& store, std::string_view name, std::string_view conninfo,
                               std::chrono::seconds timeout, int64_t timeout_seconds = 0);

/// List the database's tables again. kNotFound for an unknown mount.
Result<Mount> RefreshPostgresMount(MountStore& store, std::string_view name,
                                   std::chrono::seconds timeout);

/// `<data-dir>/cache/postgres/<mount>`: where a mount's query results land for DuckDB to read.
std::string PostgresCacheDir(const std::string& data_dir, std::string_view mount);

/// Mounted PostgreSQL tables in query sessions: `<mount>.<schema>.<table>` is a view over
/// `pg_scan('<mount>', '<schema>', '<table>')`. When a query runs, the table's rows are read
/// with `COPY (SELECT ... WHERE <the query's simple filters>) TO STDOUT` into a file under
/// PostgresCacheDir() and scanned by DuckDB with the columns' types (engine/scan_hints.h
/// supplies the filters, so PostgreSQL sends only matching rows). Defining a view only asks for
/// the columns. Thread-safe.
class PostgresMounts : public access::SessionExtension {
 public:
  /// `store` must outlive this object.
  PostgresMounts(MountStore& store, std::string data_dir,
                 std::chrono::seconds timeout = std::chrono::seconds(60))
      : store_(store), data_dir_(std::move(data_dir)), timeout_(timeout) {}

  Result<std::vector<access::ExtensionTable>> Tables() override;
  Status Register(engine::Connection& connection) override;

  /// The SQL that reads a mounted table now (what pg_scan runs).
  Result<std::string> ScanSql(std::string_view mount, std::string_view schema,
                              std::string_view table);

 private:
  MountStore& store_;
  std::string data_dir_;
  std::chrono::seconds timeout_;
  ScanMemo memo_;
};

}  // namespace tessera::federation
