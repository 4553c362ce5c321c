#include "tessera/access/session_extension.h"

#include "tessera/common/strings.h"
#include "tessera/engine/scan_hints.h"

namespace tessera::access {

Result<std::vector<engine::TableName>> AttachExtensionViews(
    engine::Connection& connection, const std::vector<SessionExtension*>& extensions,
    std::optional<std::string_view> sql, const std::set<std::string>& skip_domains) {
  std::vector<engine::TableName> offered;
  std::string lower = sql ? ToLower(*sql) : std::string();
  std::string ddl;
  std::set<std::string> catalogs;
  std::set<std::string> schemas;
  for (SessionExtension* extension : extensions) {
    TESSERA_ASSIGN_OR_RETURN(auto tables, extension->Tables());
    for (const ExtensionTable& t : tables) {
      offered.push_back(t.name);
      // Only what the statement names: a view over a remote table costs nothing until read,
      // but listing every mount's tables in each statement is noise.
      if (skip_domains.count(t.name.domain) != 0 ||
          (sql && (lower.find(ToLower(t.name.domain)) == std::string::npos ||
                   lower.find(ToLower(t.name.table)) == std::string::npos)))
        continue;
      std::string catalog = QuoteIdentifier(t.name.domain);
      std::string schema = catalog + "." + QuoteIdentifier(t.name.product);
      if (catalogs.insert(catalog).second)
        ddl += "ATTACH IF NOT EXISTS ':memory:' AS " + catalog + ";\n";
      if (schemas.insert(schema).second)
        ddl += "CREATE SCHEMA IF NOT EXISTS " + schema + ";\n";
      ddl += "CREATE OR REPLACE VIEW " + schema + "." + QuoteIdentifier(t.name.table) + " AS " +
             t.view_sql + ";\n";
    }
  }
  if (!ddl.empty()) {
    engine::ScopedViewDefinition defining;
    TESSERA_RETURN_NOT_OK(connection.Execute(ddl));
  }
  return offered;
}

}  // namespace tessera::access
