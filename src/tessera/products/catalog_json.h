#pragma once

#include "tessera/catalog/product_store.h"
#include "tessera/common/json.h"

namespace tessera::products {

// The catalog as JSON, the same for `tessera product ... --json` and the REST API.

/// A product version: identity, owner, tables (with columns when `details`), and with
/// `details` also the contract's results, lineage and column lineage.
Json ProductVersionJson(const catalog::ProductVersion& version, bool details);
/// A product as listings show it.
Json ProductSummaryJson(const catalog::ProductSummary& summary);
/// One search result.
Json SearchHitJson(const catalog::SearchHit& hit);
/// One revision's contract run: {revision, version, published, passed, rules}.
Json QualityJson(const catalog::ProductVersion& version);

}  // namespace tessera::products
