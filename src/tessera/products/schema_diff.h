#pragma once

#include <string>
#include <vector>

#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/products/semver.h"

namespace tessera::products {

enum class ChangeKind {
  kTableAdded,
  kTableRemoved,
  kColumnAdded,
  kColumnRemoved,
  kTypeWidened,  // every old value fits the new type (INTEGER → BIGINT, FLOAT → DOUBLE, ...)
  kTypeChanged,  // narrowed or changed: old values may not fit, readers may break
};

/// One difference between the published schema and a new build's. Plain value.
struct SchemaChange {
  ChangeKind kind = ChangeKind::kColumnAdded;
  std::string table;
  std::string column;  // empty for table changes
  std::string from;    // old type
  std::string to;      // new type
  /// Breaking changes need a new major version; the rest (additions, widening) a new minor.
  bool Breaking() const;
  std::string ToString() const;
};

/// What changed from `published` to `next`, table by table and column by column (a renamed
/// column shows as one removed and one added).
std::vector<SchemaChange> DiffSchemas(const std::vector<catalog::CatalogTable>& published,
                                      const std::vector<catalog::CatalogTable>& next);

/// Check that `next` may follow `published` given the schema changes between them (semantic
/// versioning): never older; breaking changes need a major bump, additive ones at least a minor
/// one; the same version may be re-applied with new data only when the schema is unchanged.
/// Return kInvalidArgument naming the first change that needs a bigger bump.
Status CheckVersionBump(const Semver& published, const Semver& next,
                        const std::vector<SchemaChange>& changes);

}  // namespace tessera::products
