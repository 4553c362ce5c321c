#pragma once

#include <functional>
#include <string>

#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/engine/database.h"

namespace tessera::access {

/// Whether a session may see product `domain.name`. Called from DuckDB's threads: thread-safe.
using ProductFilter = std::function<bool(const std::string& domain, const std::string& name)>;

/// Make the product catalog queryable in SQL as views of an attached `tessera` catalog:
/// tessera.products, tessera.columns, tessera.lineage, tessera.column_lineage and
/// tessera.quality_runs (one row per rule of every published revision), showing only the
/// products `visible` lets through. Each query reads the catalog as it is then (a scalar
/// function, `tessera_catalog(table)`, produces the rows), so creating the views costs nothing
/// and never writes inside a client's transaction. Call before the connection runs other
/// queries (a DuckDB 1.4 quirk: functions registered later may not be found). `store` must
/// outlive the connection's database. Errors: DuckDB's.
Status RegisterCatalogTables(engine::Connection& connection, catalog::ProductStore& store,
                             ProductFilter visible);

/// The rows of catalog table `table` ("products", "columns", ...) as a JSON array of objects.
/// kInvalidArgument for another name; the store's errors.
Result<std::string> CatalogTableJson(catalog::ProductStore& store, const ProductFilter& visible,
                                     std::string_view table);

}  // namespace tessera::access
