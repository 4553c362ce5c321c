#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
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

/// The tables of `tables` whose three-part name appears in `sql` (case-insensitive, quotes
/// ignored), as whole words.
std::vector<TableName> TablesMentioned(std::string_view sql, const std::vector<TableName>& tables);

/// Which tables consumers see, and at which version. A product that `tessera apply` manages is
/// read at the Delta versions its current catalog revision recorded, so its tables switch to a
/// new version together, and an apply that died between commits shows none of its work; a
/// table of such a product that the revision does not list is hidden. Every other table reads at
/// its latest version. Plain value.
struct TablePins {
  std::set<std::string> managed_products;   // "domain.product"
  std::map<std::string, int64_t> versions;  // "domain.product.table" -> Delta version

  bool Visible(const TableName& table) const;
  std::optional<int64_t> VersionOf(const TableName& table) const;
};

/// Drop the tables that `pins` hides.
void KeepVisible(const TablePins& pins, std::vector<TableName>& tables);

/// `delta_scan('<root>')`, or `delta_scan('<root>', version := N)` for a pinned table.
std::string DeltaScanCall(const std::string& data_dir, const TableName& table,
                          const TablePins* pins);

/// Make every table of the data directory queryable by its three-part name: each domain becomes
/// an attached in-memory catalog, each product a schema, each table a view over delta_scan (so a
/// query always sees the latest version). Requires RegisterDeltaFunctions on the database.
/// With `only_mentioned_in`, attach just the tables whose name appears in that SQL text (creating
/// a view binds it, which reads its files' footers), unless the SQL looks at the catalog
/// (information_schema, SHOW, DESCRIBE, duckdb_*), which needs every table. With `pins`, tables
/// are seen as TablePins says.
Status AttachDataDir(Connection& connection, const std::string& data_dir,
                     std::optional<std::string_view> only_mentioned_in = std::nullopt,
                     const TablePins* pins = nullptr);

}  // namespace tessera::engine
