#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/catalog/db.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"

namespace tessera::federation {

/// A remote table a mount makes queryable as `<mount>.<schema>.<table>`. Plain value.
struct MountedTable {
  std::string share;   // the remote share holding it
  std::string schema;  // remote schema = local schema
  std::string name;
};

/// A mount: a remote Delta Sharing server seen through one profile, or files. Plain value.
struct Mount {
  std::string name;
  std::string kind;  // "sharing" or "files"
  /// The kind's configuration: a sharing mount's `.share` file (holds the bearer token: never
  /// print it); a files mount's {"pattern", "format", "root"}.
  std::string profile;
  std::string endpoint;  // where the data is: the server's endpoint, or the files' pattern
  int64_t created_ms = 0;
  int64_t refreshed_ms = 0;  // when `tables` was last listed from the server
  std::vector<MountedTable> tables;
  /// PEM bundle that verifies the server's certificate (a private CA); empty: the system's.
  std::string ca_file;
  /// The mount's own bound on one server request, in seconds (`mount add --timeout`); 0: the
  /// node's defaults. A query of a hung server fails after this long.
  int64_t timeout_seconds = 0;
};

/// Mounts, in the node's catalog (`<data-dir>/catalog.db`, component "federation"), so they
/// come back on restart and CLI changes reach a running node. Thread-safe.
class MountStore {
 public:
  static Result<std::unique_ptr<MountStore>> Open(const std::string& data_dir,
                                                  const Clock* clock = &SystemClock::Instance());

  /// Add a mount with its table list. kInvalidArgument for a name that is not a lower-case
  /// identifier (at most 63 characters), kAlreadyExists if the name is taken.
  Status Add(const Mount& mount);
  /// Replace a mount's table list (and its refresh time). kNotFound for an unknown mount.
  Status SetTables(std::string_view name, const std::vector<MountedTable>& tables);
  /// kNotFound for an unknown mount.
  Status Remove(std::string_view name);
  Result<Mount> Get(std::string_view name);
  /// Every mount with its tables, by name.
  Result<std::vector<Mount>> List();

 private:
  MountStore(std::unique_ptr<catalog::Db> db, const Clock* clock)
      : db_(std::move(db)), clock_(clock) {}
  Status WriteTables(std::string_view name, const std::vector<MountedTable>& tables);
  Result<std::vector<MountedTable>> ReadTables(std::string_view name);

  std::unique_ptr<catalog::Db> db_;
  const Clock* clock_;
};

/// Check a mount name: a lower-case SQL identifier of at most 63 characters.
Status CheckMountName(std::string_view name);

}  // namespace tessera::federation
