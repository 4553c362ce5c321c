#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"

namespace tessera::engine {

/// A table's three-part name: domain (catalog), product (schema), table.
struct TableName {
  std::string domain;
  std::string product;
  std::string table;
  std::string ToString() const { return domain + "." + product + "." + table; }
};

/// Parse "domain.product.table". Each part must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at most
/// 63 characters), so a name can never escape the data directory or inject SQL. Return
/// kInvalidArgument otherwise.
Result<TableName> ParseTableName(std::string_view text);

/// `<data_dir>/tables/<domain>/<product>/<table>`.
std::string TableRoot(const std::string& data_dir, const TableName& name);

/// Every table under `<data_dir>/tables/` that has a `_delta_log`, sorted by name.
Result<std::vector<TableName>> ListTables(const std::string& data_dir);

/// Make every table of the data directory queryable by its three-part name: each domain becomes
/// an attached in-memory catalog, each product a schema, each table a view over delta_scan (so a
/// query always sees the latest version). Requires RegisterDeltaFunctions on the database.
/// With `only_mentioned_in`, attach just the tables whose name appears in that SQL text (creating
/// a view binds it, which reads its files' footers), unless the SQL looks at the catalog
/// (information_schema, SHOW, DESCRIBE, duckdb_*), which needs every table.
Status AttachDataDir(Connection& connection, const std::string& data_dir,
                     std::optional<std::string_view> only_mentioned_in = std::nullopt);

}  // namespace tessera::engine
