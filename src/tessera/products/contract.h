#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/engine/database.h"
#include "tessera/products/descriptor.h"

namespace tessera::products {

/// The outcome of one contract rule on one build of a product. Plain value.
struct RuleResult {
  std::string name;
  std::string table;
  std::string type;  // "not_null", "unique", ...
  Severity severity = Severity::kError;
  bool passed = false;
  int64_t violations = 0;           // violating rows (unique: duplicated keys)
  std::vector<std::string> sample;  // up to five violating rows, as DuckDB prints a row
  std::string error;                // the rule could not run (e.g. a bad regex); counts as failed
  std::string sql;                  // the query that returns the violating rows
  int64_t duration_us = 0;

  Json ToJson() const;
};

/// The name of a rule type as descriptors write it.
std::string RuleTypeName(RuleKind kind);

/// The rules a product's build is checked against: its contract's, plus those its columns imply
/// (`nullable: false` → not_null, `primary_key` → unique over the key and not_null), unless the
/// contract already has a rule of that name.
std::vector<RuleSpec> EffectiveRules(const ProductDescriptor& descriptor);

/// The query returning the rows that break `rule`, over the product's tables under their plain
/// names (the staged build) and other products under their three-part names. Every name and
/// value from the descriptor is quoted, so none can become SQL; `sql` rules are the owner's own
/// query, run as a subquery.
std::string ViolationSql(const RuleSpec& rule);

/// Run every rule on `connection` (where the staged tables are visible) and return the results
/// in rule order. A rule that fails to run is a failed result, not an error: one broken rule
/// must not hide the others.
std::vector<RuleResult> RunRules(engine::Connection& connection,
                                 const std::vector<RuleSpec>& rules);

}  // namespace tessera::products
