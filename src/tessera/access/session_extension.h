#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/database.h"

namespace tessera::access {

/// A table a session extension offers besides the data directory's (e.g. a mounted remote
/// table). Plain value.
struct ExtensionTable {
  engine::TableName name;  // catalog.schema.table as queries name it
  std::string view_sql;    // the body of its view, e.g. "FROM share_scan('m', 's', 't')"
  /// The folder its scans read (the only one a non-admin session may read for it).
  std::string read_root;
};

/// Adds tables from outside the data directory to query sessions. Grants apply to them as to
/// local tables (on `catalog`, `catalog.schema` or the table). Implemented by modules above
/// access (federation); must be thread-safe and outlive the gateway.
class SessionExtension {
 public:
  virtual ~SessionExtension() = default;
  /// Every table the extension offers now.
  virtual Result<std::vector<ExtensionTable>> Tables() = 0;
  /// Register what the views need (SQL functions) in a new session's database.
  virtual Status Register(engine::Connection& connection) = 0;
};

/// Outside query sessions (the CLI, product refreshes): create the views of the extension
/// tables that `sql` names (all of them without `sql`), each extension's domain as an attached
/// catalog, except tables of `skip_domains` (a local domain of the same name wins). The
/// extensions' Register must have run on `connection`. Return every table they offer.
Result<std::vector<engine::TableName>> AttachExtensionViews(
    engine::Connection& connection, const std::vector<SessionExtension*>& extensions,
    std::optional<std::string_view> sql, const std::set<std::string>& skip_domains = {});

}  // namespace tessera::access
