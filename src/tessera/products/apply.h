#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tessera/access/access_store.h"
#include "tessera/catalog/product_store.h"
#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/database.h"
#include "tessera/products/contract.h"
#include "tessera/products/descriptor.h"
#include "tessera/products/schema_diff.h"
#include "tessera/storage/storage.h"

namespace tessera::products {

/// What `Apply` works with. The connection must have the Delta functions registered and the
/// node's tables attached at their published versions (with the pins of `store`), so SQL sources
/// and rules see what consumers see. Not owned.
struct ApplyContext {
  engine::Connection* connection = nullptr;
  storage::Storage* storage = nullptr;
  delta::CheckpointReader* reader = nullptr;
  catalog::ProductStore* store = nullptr;
  /// Where `access.readers` become grants on the product; nullptr: readers are not enacted.
  access::AccessStore* access = nullptr;
  std::string data_dir;
  /// Tables the connection offers besides the node's own (mounts), for lineage: a SQL source
  /// that names one records it as an input of kind "mount".
  std::vector<engine::TableName> mounted_tables;
  /// The current version of a mounted table on its server, or nullopt for mounts that have
  /// none (PostgreSQL, files). Unset: no mounted table has a version. A SQL source reading
  /// versioned mounts reads each at the version recorded in its lineage, and later applies can
  /// then add only the rows appended since.
  std::function<Result<std::optional<int64_t>>(const engine::TableName&)> remote_version;
  /// Rebuild every table from all of its source, even where only new data could be added.
  bool full_rebuild = false;
  /// Build and check, but publish nothing (`tessera plan`).
  bool dry_run = false;
  /// Told about each step as it starts and ends (one line each), for a terminal.
  std::function<void(const std::string&)> progress;
};

/// One table of a build. Plain value.
struct TableBuild {
  std::string name;
  int64_t rows = 0;
  std::optional<int64_t> previous_rows;  // in the published version
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t delta_version = -1;  // -1 until written
  int64_t load_ms = 0;
  std::vector<catalog::CatalogColumn> columns;
  /// "full" (the whole source read and written anew), "append" (only what the source gained
  /// since the published version was read, and appended) or "unchanged" (the source gained
  /// nothing: nothing written, the published Delta version kept).
  std::string mode = "full";
  int64_t added_rows = 0;    // append: the rows added
  std::string read_changes;  // append/unchanged: what was read ("2 new files", "east.h1.flights
                             // versions 3..4")
  std::string full_because;  // full, when a version was published before: why not incremental
};

/// What an apply (or a plan) did and found. Plain value.
struct ApplyReport {
  std::string product;  // domain.name
  std::string version;
  std::optional<std::string> previous_version;
  std::optional<int64_t> previous_revision;
  bool published = false;
  int64_t revision = 0;  // the new catalog revision, when published
  std::vector<SchemaChange> changes;
  std::vector<TableBuild> tables;
  std::vector<RuleResult> rules;
  std::vector<catalog::LineageEdge> lineage;
  std::vector<catalog::ColumnLineageEdge> column_lineage;
  /// Principals granted the product by `access.readers`, and those revoked because a previous
  /// version listed them and this one does not.
  std::vector<std::string> granted;
  std::vector<std::string> revoked;
  /// Why nothing was published (failed error rules), or empty.
  std::string blocked_by;
  int64_t load_ms = 0;
  int64_t checks_ms = 0;
  int64_t commit_ms = 0;
  int64_t catalog_ms = 0;
  int64_t total_ms = 0;

  Json ToJson() const;
};

/// Column lineage edges as JSON objects {table, column, input, input_column}.
Json ColumnLineageJson(const std::vector<catalog::ColumnLineageEdge>& edges);

/// Build a product version from its descriptor and publish it: load every table's source into
/// a staged copy (declared columns cast to their types), check the schema change against the
/// version bump, run the contract on the staged data, and only when no `error` rule fails write
/// each table as a new Delta version and record them, with columns, rule results and lineage, in
/// one catalog transaction. Consumers read product tables at the versions the catalog records,
/// so they see the whole new version or the old one, never a mix; a failing contract or a crash
/// before the catalog commit leaves the published version as it was.
///
/// Return the report (published = false when a rule blocked it, or for a dry run). Errors:
/// kInvalidArgument for sources that cannot be read or lack declared columns and for version
/// bumps the schema change does not allow; kConflict if another apply published first; the
/// storage's errors while writing.
Result<ApplyReport> Apply(const ProductDescriptor& descriptor, const ApplyContext& context);

}  // namespace tessera::products
