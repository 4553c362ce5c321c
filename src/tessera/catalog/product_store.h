#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/catalog/db.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"
#include "tessera/engine/data_dir.h"

namespace tessera::catalog {

/// A column of a published table. Plain value.
struct CatalogColumn {
  std::string name;
  std::string type;
  std::string description;
  bool nullable = true;
  std::string classification;
  bool primary_key = false;
};

/// A table as one product version published it: which Delta version consumers read. Plain value.
struct CatalogTable {
  std::string name;
  std::string description;
  int64_t delta_version = 0;
  int64_t rows = 0;
  int64_t files = 0;
  int64_t bytes = 0;
  std::vector<CatalogColumn> columns;
  /// What the build read, as JSON (products/source_state.h): how the next apply finds what is
  /// new. Empty for versions published before it was kept.
  std::string source_state;
};

/// One input an output table was built from. Plain value.
struct LineageEdge {
  std::string output_table;
  std::string input_kind;     // "table" (a product table or mount), "files"
  std::string input_name;     // "domain.product.table", or a path or glob
  std::string input_version;  // the Delta version read, or empty
};

/// One column an output column is computed from. Plain value.
struct ColumnLineageEdge {
  std::string output_table;
  std::string output_column;
  std::string input_name;  // as in LineageEdge
  std::string input_column;
};

/// One published version of a product. `revision` numbers every publish of the node (a
/// re-apply with new data is a new revision of the same semantic version). Plain value.
struct ProductVersion {
  int64_t revision = 0;
  std::string domain;
  std::string name;
  std::string version;  // semantic version
  std::string description;
  std::string owner_team;
  std::string owner_contact;
  std::vector<std::string> tags;
  int64_t published_ms = 0;
  std::string descriptor;       // the YAML as applied
  std::string descriptor_path;  // where it was read from (absolute), for refreshes
  int64_t refresh_seconds = 0;  // re-apply interval; 0: manual
  std::vector<CatalogTable> tables;
  std::vector<LineageEdge> lineage;
  std::vector<ColumnLineageEdge> column_lineage;
  bool quality_passed = true;
  std::string quality_json;  // the contract run's results (JSON array)
  std::string report_json;   // the apply's timings and volumes (JSON object)
};

/// A product as listings show it. Plain value.
struct ProductSummary {
  std::string domain;
  std::string name;
  std::string version;
  int64_t revision = 0;
  std::string description;
  std::string owner_team;
  std::vector<std::string> tags;
  int64_t published_ms = 0;
  int64_t tables = 0;
  bool deprecated = false;
  std::string deprecation_note;
};

/// A catalog search: words (all must match, as word prefixes, stemmed) and filters. Plain value.
struct SearchQuery {
  std::string text;  // may be empty: filters only
  std::string domain;
  std::string tag;
  std::string classification;  // some column has it ("pii", ...)
  std::string owner;           // the owning team
  int64_t limit = 20;
};

/// One product a search found, best first. Plain value.
struct SearchHit {
  std::string domain;
  std::string name;
  std::string version;
  std::string description;
  std::string owner_team;
  std::vector<std::string> tags;
  bool deprecated = false;
  double score = 0;     // bm25: lower is better
  std::string snippet;  // where the words matched, [marked]
};

/// One lineage edge of a product's current version: its table `output_table` reads `input`.
/// Plain value.
struct LineageLink {
  std::string domain;
  std::string name;
  LineageEdge edge;
};

/// Data products in the node's catalog (`<data-dir>/catalog.db`, component "products"): their
/// published versions, tables (with the Delta version each publish pinned), columns, contract
/// runs and lineage. A publish is one SQLite transaction, so the catalog moves from one product
/// version to the next or not at all. Thread-safe; several processes may use one file.
class ProductStore {
 public:
  static Result<std::unique_ptr<ProductStore>> Open(const std::string& data_dir,
                                                    const Clock* clock = &SystemClock::Instance());

  /// Record `version` as the product's current one. `expected_revision` is the revision the
  /// publisher built on (nullopt: the product must be new). Return the new revision, or
  /// kConflict if another publish came first.
  Result<int64_t> Publish(const ProductVersion& version, std::optional<int64_t> expected_revision);
  /// The product's current version; kNotFound if it was never published.
  Result<ProductVersion> Current(std::string_view domain, std::string_view name);
  /// One revision of a product; kNotFound if it has no such revision.
  Result<ProductVersion> Revision(std::string_view domain, std::string_view name, int64_t revision);
  /// Every revision of a product, newest first (tables but not lineage or descriptor).
  Result<std::vector<ProductVersion>> History(std::string_view domain, std::string_view name);
  /// Every product, by domain and name.
  Result<std::vector<ProductSummary>> List();
  /// Products whose current version asks to be re-applied (refresh_seconds > 0), with their
  /// descriptor path and when they were last published.
  Result<std::vector<ProductVersion>> RefreshCandidates();
  /// Which tables consumers see and at which versions.
  Result<engine::TablePins> Pins();
  /// The Delta version of `table` that consumers read: its product's current revision's, or
  /// nullopt when no product manages it (its latest version counts). kNotFound when its
  /// product is managed but its current revision has no such table.
  Result<std::optional<int64_t>> PublishedVersion(const engine::TableName& table);
  /// The lineage edges of every product's current version.
  Result<std::vector<LineageLink>> CurrentLineage();
  /// Mark a product deprecated (still readable; listings and search say so), or undo it with
  /// `deprecated` false. kNotFound for an unknown product.
  Status SetDeprecated(std::string_view domain, std::string_view name, bool deprecated,
                       std::string_view note);
  /// Find products by their names, descriptions, tables, columns, tags and owners (SQLite FTS5,
  /// ranked by bm25 with names weighing most), filtered. kInvalidArgument for a limit outside
  /// 1..1000.
  Result<std::vector<SearchHit>> Search(const SearchQuery& query);
  /// Forget a product and every revision of it. kNotFound for an unknown product. The caller
  /// checks dependents and removes the tables' files.
  Status Delete(std::string_view domain, std::string_view name);

 private:
  ProductStore(std::unique_ptr<Db> db, const Clock* clock) : db_(std::move(db)), clock_(clock) {}
  Result<ProductVersion> ReadVersion(Statement& row, bool details);
  Status IndexForSearch(const ProductVersion& version);

  std::unique_ptr<Db> db_;
  const Clock* clock_;
};

}  // namespace tessera::catalog
