#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/session_extension.h"
#include "tessera/engine/remote_reads.h"
#include "tessera/engine/scan_hints.h"
#include "tessera/federation/mount_cache.h"
#include "tessera/federation/mount_store.h"
#include "tessera/federation/scan_memo.h"
#include "tessera/sharing/sharing_client.h"

namespace tessera::federation {

/// Check a profile and list what it can read, then store it as mount `name`. Errors: those of
/// CheckMountName and ParseProfile, the server's (unreachable, refused token), kAlreadyExists.
/// `timeout_seconds` > 0 is kept with the mount and bounds its every later request.
Result<Mount> AddShareMount(MountStore& store, std::string_view name, std::string_view profile,
                            const sharing::SharingClientOptions& options = {},
                            int64_t timeout_seconds = 0);

/// List the mount's tables from its server again (tables added to or removed from its shares).
Result<Mount> RefreshShareMount(MountStore& store, std::string_view name,
                                const sharing::SharingClientOptions& options = {});

/// `<data-dir>/cache/shares/<mount>`: where a mount's downloaded files and snapshots live.
std::string MountCacheDir(const std::string& data_dir, std::string_view mount);

/// Mounted Delta Sharing tables in query sessions: `<mount>.<schema>.<table>` is a view over
/// `share_scan('<mount>', '<schema>', '<table>')`. When a query runs, that asks the remote
/// server for the table's files, downloads those not yet cached (by file id, checked by size)
/// into MountCacheDir()/files, and reads them as a Delta table whose log it writes under
/// MountCacheDir()/snapshots, so partition values, the schema and filter pushdown into the
/// Parquet scans work as for local tables. The files of all mounts are bounded by
/// `cache_limits` (least recently used out first). Thread-safe.
class ShareMounts : public access::SessionExtension {
 public:
  /// `store` must outlive this object.
  ShareMounts(MountStore& store, const std::string& data_dir,
              sharing::SharingClientOptions options = {}, CacheLimits cache_limits = {});

  Result<std::vector<access::ExtensionTable>> Tables() override;
  Status Register(engine::Connection& connection) override;

  /// The SQL that reads a mounted table's current snapshot (what share_scan runs); the same
  /// answer for 2 seconds (DuckDB binds a view both when creating and when reading it). Under
  /// an engine::ScopedRemoteReads naming the table: its snapshot at the pinned version, or only
  /// the rows appended after a version (the server's change feed; kConflict when the table
  /// changed otherwise, e.g. rows deleted or rewritten).
  Result<std::string> ScanSql(std::string_view mount, std::string_view schema,
                              std::string_view table);

  /// The current version of a mounted table on its server (`mount.schema.table`).
  Result<int64_t> RemoteVersion(const std::string& mounted_table);
  /// RemoteVersion() of a table of a Delta Sharing mount; nullopt for other mounts' tables.
  Result<std::optional<int64_t>> VersionIfShared(const engine::TableName& table);

 private:
  Result<std::string> FreshScanSql(std::string_view mount, std::string_view schema,
                                   std::string_view table,
                                   const std::vector<engine::ColumnPredicate>* predicates,
                                   bool columns_only, const engine::RemoteRead* pinned,
                                   std::optional<int64_t> limit);
  /// The mount, its table (kNotFound naming it if the mount no longer lists it) and a client.
  struct Remote {
    Mount mount;
    sharing::RemoteTable table;
    std::unique_ptr<sharing::SharingClient> client;
  };
  Result<Remote> Connect(std::string_view mount, std::string_view schema, std::string_view table);

  MountStore& store_;
  std::string data_dir_;
  sharing::SharingClientOptions options_;
  CacheLimits cache_limits_;
  ScanMemo memo_;
};

}  // namespace tessera::federation
