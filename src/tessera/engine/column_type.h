#pragma once

#include <duckdb.h>

#include <string>
#include <unordered_set>

namespace tessera::engine {

/// The type of a result column: DuckDB's type id and its SQL spelling as DuckDB's typeof() prints
/// it (`DECIMAL(12,2)`, `STRUCT(a INTEGER, "order" VARCHAR)`, `INTEGER[]`, `JSON`). Plain value.
struct ColumnType {
  duckdb_type id = DUCKDB_TYPE_INVALID;
  std::string name;

  /// Whether values are numbers (integers, floating point, DECIMAL): right-aligned in tables,
  /// unquoted in JSON.
  bool IsNumeric() const;
  /// Whether values are nested (STRUCT, LIST, MAP, ARRAY, UNION).
  bool IsNested() const;
};

/// Whether values of this type are 8- to 64-bit integers, signed or unsigned.
bool IsIntegerType(duckdb_type id);

/// A result column: its name and type. Plain value.
struct Column {
  std::string name;
  ColumnType type;
};

/// DuckDB's keywords in lower case (from `duckdb_keywords()`): struct member names that are
/// keywords are quoted in type names, as DuckDB does.
using KeywordSet = std::unordered_set<std::string>;

/// Describe a logical type (not consumed). Aliased types (JSON) are named by their alias.
ColumnType DescribeLogicalType(duckdb_logical_type type, const KeywordSet& keywords);

/// Quote a struct member or union tag name only where DuckDB would: names that are not plain
/// identifiers ([A-Za-z_][A-Za-z0-9_]*) or that are keywords.
std::string QuoteNameIfNeeded(const std::string& name, const KeywordSet& keywords);

}  // namespace tessera::engine
