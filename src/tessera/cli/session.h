#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/database.h"
#include "tessera/engine/scan_hints.h"
#include "tessera/federation/file_mounts.h"
#include "tessera/federation/mount_store.h"
#include "tessera/federation/postgres_mounts.h"
#include "tessera/federation/share_mounts.h"

namespace tessera::cli {

/// What one CLI invocation works on: an in-memory DuckDB with the Delta SQL functions registered
/// and the data directory's tables (and its mounts' tables) attached under their three-part
/// names. Not thread-safe.
class Session {
 public:
  /// Open a session; with `sql`, attach only the data-directory tables that SQL names and let
  /// its simple WHERE predicates skip files (engine/scan_hints.h) for the session's lifetime.
  static Result<std::unique_ptr<Session>> Open(const std::string& data_dir,
                                               std::optional<std::string_view> sql = std::nullopt);
  engine::Connection& connection() { return *connection_; }
  engine::DuckdbCheckpointReader& reader() { return *reader_; }
  const std::string& data_dir() const { return data_dir_; }
  /// The tables the session's mounts offer (every kind), by three-part name.
  Result<std::vector<engine::TableName>> MountedTables();
  /// The current version of a table mounted from a Delta Sharing server (asked of the
  /// server), or nullopt for other mounted tables.
  Result<std::optional<int64_t>> RemoteVersion(const engine::TableName& table);
  /// Resolve a table argument: a three-part name in the data directory, or a path to any table.
  Result<std::string> ResolveTable(const std::string& argument) const;

 private:
  Status RegisterMounts();
  Status AttachMountViews(std::optional<std::string_view> sql);
  std::vector<access::SessionExtension*> Extensions();

  std::string data_dir_;
  // Before the database: its SQL functions call into them until it closes.
  std::unique_ptr<federation::MountStore> mounts_;
  std::unique_ptr<federation::ShareMounts> share_mounts_;
  std::unique_ptr<federation::FileMounts> file_mounts_;
  std::unique_ptr<federation::PostgresMounts> postgres_mounts_;
  std::unique_ptr<catalog::ProductStore> products_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::DuckdbCheckpointReader> reader_;
  std::unique_ptr<engine::Connection> connection_;
  std::unique_ptr<engine::ScopedScanHints> hints_;
};

}  // namespace tessera::cli
