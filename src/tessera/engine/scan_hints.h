#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/database.h"

namespace tessera::engine {

/// One conjunct of a query's WHERE clause: `column <op> constant`.
struct ColumnPredicate {
  enum class Op { kEq, kLt, kLe, kGt, kGe };
  std::string column;  // lower-cased logical name
  Op op = Op::kEq;
  Json value;  // number or string
};

/// Predicates known to hold for every row a query reads from one table.
struct ScanHints {
  std::string table_root;  // the table they apply to
  std::vector<ColumnPredicate> predicates;
  /// The query reads at most this many rows of the table, in any order: a LIMIT (plus OFFSET)
  /// over a plain projection of it, with no WHERE, ORDER BY, DISTINCT, GROUP BY or aggregate.
  /// A remote scan may then fetch only enough files (a Delta Sharing limitHint).
  std::optional<int64_t> limit;
  /// Every name the query refers to a column by (lower-cased; table or struct qualifiers too,
  /// so it may hold more than the table's columns, never fewer), or nullopt when it selects *
  /// or COLUMNS(...). A remote scan may then fetch only these columns.
  std::optional<std::set<std::string>> columns;
};

/// Find file-skipping hints in `sql`: only for a single SELECT with exactly one table reference
/// (a data-directory view `domain.product.table`, or `delta_scan('<path>')` at the latest version)
/// and no subqueries, so the predicates can only concern that one scan. Uses DuckDB's parser
/// (json_serialize_sql). Return nullopt when the query does not qualify or has neither
/// predicates nor a usable limit; never an error for ordinary SQL (parse errors are left to the
/// real execution).
std::optional<ScanHints> ExtractScanHints(Connection& connection, std::string_view sql,
                                          const std::string& data_dir);

/// True unless the file's partition values or statistics prove that no row satisfies every
/// predicate (unknown statistics keep the file: skipping must never lose rows).
bool FileMayMatch(const delta::Snapshot& snapshot, const delta::AddFile& file,
                  const std::vector<ColumnPredicate>& predicates);

/// Makes hints visible to delta_scan on this thread (DuckDB binds on the calling thread) for the
/// lifetime of the object.
class ScopedScanHints {
 public:
  explicit ScopedScanHints(std::optional<ScanHints> hints);
  ~ScopedScanHints();
  ScopedScanHints(const ScopedScanHints&) = delete;
  ScopedScanHints& operator=(const ScopedScanHints&) = delete;

  /// The predicates for `table_root` on this thread, or null when there are none.
  static const std::vector<ColumnPredicate>* For(const std::string& table_root);
  /// The row limit for `table_root` on this thread (ScanHints::limit), or nullopt.
  static std::optional<int64_t> LimitFor(const std::string& table_root);
  /// The column names the query uses of `table_root` (ScanHints::columns), or null: all.
  static const std::set<std::string>* ColumnsFor(const std::string& table_root);

 private:
  std::optional<ScanHints> previous_;
};

/// Marks, on this thread, that DuckDB binds statements only to define views (CREATE VIEW binds
/// its body to learn the columns): table functions whose scan is costly (a mounted remote
/// table downloads its files) then only need to describe their columns.
class ScopedViewDefinition {
 public:
  ScopedViewDefinition();
  ~ScopedViewDefinition();
  ScopedViewDefinition(const ScopedViewDefinition&) = delete;
  ScopedViewDefinition& operator=(const ScopedViewDefinition&) = delete;

  /// Whether this thread is defining views now.
  static bool Active();

 private:
  bool previous_;
};

}  // namespace tessera::engine
