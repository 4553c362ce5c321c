#pragma once

#include "tessera/access/access_store.h"
#include "tessera/catalog/product_store.h"
#include "tessera/ports/http/router.h"

namespace tessera::ports::http {

/// What the catalog API reads. Both must outlive the server.
struct CatalogApiDeps {
  access::AccessStore* access = nullptr;  // authenticates principals, reads their grants
  catalog::ProductStore* products = nullptr;
};

/// The data product catalog over HTTP, read-only, the data the web UI shows:
///   GET /api/v1/products                          every product (summaries)
///   GET /api/v1/products/{domain.name}            the current version: tables, columns,
///                                                 contract results, lineage
///   GET /api/v1/products/{p}/versions             every revision, newest first
///   GET /api/v1/products/{p}/versions/{revision}  one revision
///   GET /api/v1/products/{p}/schema               tables and columns
///   GET /api/v1/products/{p}/contract             the descriptor and the latest rule results
///   GET /api/v1/products/{p}/quality              rule results of every revision
///   GET /api/v1/products/{p}/lineage              upstream and downstream graph (nodes, edges)
///   GET /api/v1/search?q=&domain=&tag=&classification=&owner=&limit=
/// Any principal's bearer token (401 without a valid one); a principal sees only the products
/// it holds a grant on (any of their tables), as on the SQL ports: others are 404.
void AddCatalogApi(Router& router, CatalogApiDeps deps);

}  // namespace tessera::ports::http
