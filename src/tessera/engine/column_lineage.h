#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"

namespace tessera::engine {

/// A column a query's output column is computed from. Plain value.
struct ColumnSource {
  std::string table;  // as the query names it: "domain.product.table", or a plain name
  std::string column;
  bool operator==(const ColumnSource&) const = default;
};

/// For each output column of `sql` (in order), the table columns its value is computed from:
/// the column references of its select-list expression, resolved through the FROM clause's
/// tables, aliases and joins (and `SELECT *` of one table). Best effort and conservative: a
/// reference that cannot be resolved to one table is left out, never guessed, and an output
/// computed from no column (count(*), a constant) has none. Tables are described on
/// `connection` (bound, not read) to resolve unqualified names. Return kInvalidArgument if the
/// SQL is not one SELECT that DuckDB parses.
Result<std::vector<std::vector<ColumnSource>>> ColumnSources(Connection& connection,
                                                             std::string_view sql);

}  // namespace tessera::engine
