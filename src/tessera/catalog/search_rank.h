#pragma once

#include "tessera/catalog/db.h"
#include "tessera/common/status.h"

namespace tessera::catalog {

/// Register the FTS5 ranking function `product_search_bm25(product_search, weight...)` on `db`'s
/// connection. It returns exactly what FTS5's `bm25()` returns for the same arguments (same
/// formula, same statistics, same order of floating-point operations), only faster on searches
/// that match much of the catalog: bm25 looks up each matching row's length in
/// `product_search_docsize` with one query per row, this function walks that table in rowid
/// order beside the matches (the index returns them in rowid order). Usable only on the
/// `product_search` table. Return kInternal if the connection has no FTS5.
Status RegisterProductSearchRank(Db& db);

}  // namespace tessera::catalog
