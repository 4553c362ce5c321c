#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/products/semver.h"

namespace tessera::products {

/// Where in the descriptor file something was written (1-based), for error messages.
struct SourcePosition {
  int line = 0;
  int column = 0;
};

/// One declared column. Plain value.
struct ColumnSpec {
  std::string name;
  std::string type;  // a DuckDB type name, normalized upper case ("BIGINT", "DECIMAL(10,2)")
  std::string description;
  bool nullable = true;
  std::string classification;  // "public", "internal", "confidential", "pii" or empty
  bool primary_key = false;
  SourcePosition position;
};

enum class SourceKind { kFiles, kSql };
enum class FileFormat { kParquet, kCsv, kJson };

/// Where a table's rows come from: files (a path or glob, resolved against the descriptor's
/// folder) or a SQL query over other products and mounts of the node (a derived table; a query
/// that names no table is an inline seed). Plain value.
struct SourceSpec {
  SourceKind kind = SourceKind::kSql;
  std::string path;  // kFiles: absolute, normalized
  FileFormat format = FileFormat::kParquet;
  std::string sql;  // kSql
  SourcePosition position;
};

/// One table of the product. Plain value.
struct TableSpec {
  std::string name;
  std::string description;
  std::vector<ColumnSpec> columns;  // empty: take the source's columns as they are
  std::vector<std::string> partition_by;
  SourceSpec source;
  SourcePosition position;
};

enum class RuleKind {
  kNotNull,
  kUnique,
  kAcceptedValues,
  kRange,
  kRegex,
  kRowCount,
  kReferences,
  kFreshness,
  kSql,
};

enum class Severity { kError, kWarn };

/// One contract rule. Which fields matter depends on `kind`. Plain value.
struct RuleSpec {
  std::string name;  // unique in the contract; generated from kind, table and column if absent
  RuleKind kind = RuleKind::kNotNull;
  std::string table;
  std::vector<std::string> columns;  // kNotNull, kRegex, kRange, kAcceptedValues: one; kUnique: 1+
  std::vector<std::string> values;   // kAcceptedValues, as SQL literals
  std::optional<std::string> min;    // kRange, kRowCount: a SQL literal
  std::optional<std::string> max;
  std::string pattern;          // kRegex
  std::string references;       // kReferences: "table.column" or "domain.product.table.column"
  int64_t max_age_seconds = 0;  // kFreshness
  std::string sql;              // kSql: a query returning the violating rows
  Severity severity = Severity::kError;
  SourcePosition position;
};

/// Which ways consumers reach the product. Plain value.
struct PortsSpec {
  bool sql = true;
  bool sharing = false;
  std::vector<std::string> sharing_recipients;
  bool graphql = false;
  bool export_files = false;
  bool events = false;
};

/// A data product as its team describes it in `product.yaml`. Plain value.
struct ProductDescriptor {
  std::string domain;
  std::string name;
  Semver version;
  std::string description;
  std::string owner_team;
  std::string owner_contact;
  std::vector<std::string> tags;
  std::vector<TableSpec> tables;
  std::vector<RuleSpec> rules;
  PortsSpec ports;
  std::vector<std::string> readers;        // principals (or "group:<name>") that may read
  std::optional<int64_t> refresh_seconds;  // empty: manual
  std::string file;                        // where it was read from, for messages
  std::string base_dir;                    // the folder relative source paths resolve against
  std::string text;                        // the YAML as written

  std::string FullName() const { return domain + "." + name; }
  const TableSpec* FindTable(std::string_view table) const;
};

/// Parse a descriptor's YAML text. `file` names it in messages; relative file sources resolve
/// against `base_dir`. Every error is kInvalidArgument with the message
/// "<file>:<line>:<column>: <what>" and, where one helps, "(hint: ...)": YAML syntax, unknown
/// keys (with the nearest known key), wrong types, missing required keys, names that are not
/// identifiers, unknown column types, rules naming unknown tables or columns.
Result<ProductDescriptor> ParseDescriptor(std::string_view yaml, const std::string& file,
                                          const std::string& base_dir);

/// The keys each section of a descriptor may have ("descriptor", "owner", "table", "column",
/// "source", "contract", "rule", "ports", "ports.sharing", "access", "refresh"), in the order
/// the parser lists them; docs/product.schema.json must agree (a test checks).
const std::map<std::string, std::vector<std::string>>& DescriptorKeys();

/// Read and parse a descriptor file. kNotFound/kIoError if it cannot be read.
Result<ProductDescriptor> LoadDescriptor(const std::string& path);

/// Parse a duration such as "30s", "15m", "1h", "7d". kInvalidArgument otherwise.
Result<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace tessera::products
