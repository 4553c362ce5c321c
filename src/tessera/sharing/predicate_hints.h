#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/snapshot.h"

namespace tessera::sharing {

/// Bounds on a jsonPredicateHints text, so a hostile hint costs little.
struct PredicateLimits {
  size_t max_bytes = size_t{1} << 20;
  int max_depth = 100;
  size_t max_nodes = 10000;
};

/// One node of a jsonPredicateHints tree (PROTOCOL.md "JSON predicates format"). Plain value.
struct PredicateNode {
  std::string op;          // column, literal, isNull, equal, lessThan, ..., and, or, not
  std::string name;        // column
  std::string value;       // literal, as text
  std::string value_type;  // column and literal: bool, int, long, string, date, float, double,
                           // timestamp
  std::vector<PredicateNode> children;
};

/// Parse a jsonPredicateHints text. Checks that ops and valueTypes are known, arities are right
/// (comparisons: two column/literal leaves; isNull: one leaf; and/or: two or more; not: one),
/// literal values parse as their type, and the limits hold. Return kInvalidArgument naming the
/// problem otherwise; never recurses deeper than the depth limit.
Result<PredicateNode> ParseJsonPredicate(std::string_view text, const PredicateLimits& limits = {});

/// Parse legacy SQL `predicateHints` ("part = 'x'", "part > 3", "part IS NULL", "part IS NOT
/// NULL", with = <> != < <= > >=): each hint on a partition column that parses becomes a node, the
/// others are dropped (skipping is always optional); the result ANDs them, nullopt if none did.
std::optional<PredicateNode> ParseSqlPredicateHints(const std::vector<std::string>& hints,
                                                    const delta::Snapshot& snapshot);

/// A predicate bound to one snapshot's schema, deciding which files a query response may leave
/// out. It evaluates, per file, the set of truth values (true, false, null) the file's rows can
/// give, from exact partition values and from min/max/null-count statistics, with SQL's
/// three-valued logic through `not`, `and` and `or`; a file is left out only when no row can make
/// the predicate true. Immutable; thread-safe.
class FileFilter {
 public:
  /// A filter that keeps every file.
  FileFilter();
  ~FileFilter();
  FileFilter(FileFilter&&) noexcept;
  FileFilter& operator=(FileFilter&&) noexcept;

  /// Bind to the snapshot: columns by logical name (any case), read from partition values and
  /// stats under their physical names. Anything unusable (unknown or nested column, a column
  /// type that does not match the valueType, decimal or binary columns) gives a filter that
  /// keeps every file and says why in disabled_reason(): hints never fail a request.
  static FileFilter Bind(const PredicateNode& predicate, const delta::Snapshot& snapshot);

  /// False only when no row of the file can satisfy the predicate.
  bool MayMatch(const delta::AddFile& file) const;
  /// The same for an action given as partition values and stats.
  bool MayMatch(const delta::PartitionValues& partition_values,
                const std::optional<std::string>& stats,
                const std::optional<Json>& stats_parsed) const;

  /// Whether the filter can leave files out at all.
  bool active() const { return root_ != nullptr; }
  const std::string& disabled_reason() const { return disabled_reason_; }

  struct Bound;
  struct Column;

 private:
  std::unique_ptr<Bound> root_;
  std::vector<Column> columns_;
  std::string disabled_reason_;
};

}  // namespace tessera::sharing
