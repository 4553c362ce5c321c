#include "tessera/products/contract.h"

#include <chrono>
#include <set>

#include "tessera/common/strings.h"

namespace tessera::products {
namespace {

std::string ColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns)
    out += (out.empty() ? "" : ", ") + QuoteIdentifier(c);
  return out;
}

// "table.column" (this product, staged) or "domain.product.table.column" (published).
std::pair<std::string, std::string> ReferencedTableAndColumn(const std::string& reference) {
  std::vector<std::string> parts = Split(reference, '.');
  std::string table;
  for (size_t i = 0; i + 1 < parts.size(); ++i)
    table += (table.empty() ? "" : ".") + QuoteIdentifier(parts[i]);
  return {table, QuoteIdentifier(parts.back())};
}

}  // namespace

std::string RuleTypeName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kNotNull:
      return "not_null";
    case RuleKind::kUnique:
      return "unique";
    case RuleKind::kAcceptedValues:
      return "accepted_values";
    case RuleKind::kRange:
      return "range";
    case RuleKind::kRegex:
      return "regex";
    case RuleKind::kRowCount:
      return "row_count";
    case RuleKind::kReferences:
      return "references";
    case RuleKind::kFreshness:
      return "freshness";
    case RuleKind::kSql:
      return "sql";
  }
  return "unknown";
}

Json RuleResult::ToJson() const {
  Json out = {{"name", name},     {"table", table},
              {"type", type},     {"severity", severity == Severity::kError ? "error" : "warn"},
              {"passed", passed}, {"violations", violations},
              {"sample", sample}, {"duration_us", duration_us}};
  if (!error.empty())
    out["error"] = error;
  return out;
}

std::vector<RuleSpec> EffectiveRules(const ProductDescriptor& descriptor) {
  std::vector<RuleSpec> rules = descriptor.rules;
  std::set<std::string> names;
  for (const RuleSpec& r : rules)
    names.insert(r.name);
  auto add = [&](RuleSpec rule) {
    if (names.insert(rule.name).second)
      rules.push_back(std::move(rule));
  };
  for (const TableSpec& table : descriptor.tables) {
    std::vector<std::string> key;
    for (const ColumnSpec& column : table.columns) {
      if (column.primary_key)
        key.push_back(column.name);
      if (!column.nullable || column.primary_key) {
        RuleSpec rule;
        rule.kind = RuleKind::kNotNull;
        rule.table = table.name;
        rule.columns = {column.name};
        rule.name = "not_null_" + table.name + "_" + ToLower(column.name);
        rule.position = column.position;
        add(std::move(rule));
      }
    }
    if (!key.empty()) {
      RuleSpec rule;
      rule.kind = RuleKind::kUnique;
      rule.table = table.name;
      rule.columns = key;
      rule.name = "primary_key_" + table.name;
      rule.position = table.position;
      add(std::move(rule));
    }
  }
  return rules;
}

std::string ViolationSql(const RuleSpec& rule) {
  const std::string table = QuoteIdentifier(rule.table);
  const std::string column = rule.columns.empty() ? "" : QuoteIdentifier(rule.columns[0]);
  switch (rule.kind) {
    case RuleKind::kNotNull:
      return "SELECT * FROM " + table + " WHERE " + column + " IS NULL";
    case RuleKind::kUnique: {
      // SQL's UNIQUE: rows with a NULL in the key never collide.
      std::string where;
      for (const std::string& c : rule.columns)
        where += (where.empty() ? "" : " AND ") + QuoteIdentifier(c) + " IS NOT NULL";
      return "SELECT " + ColumnList(rule.columns) + ", count(*) AS occurrences FROM " + table +
             " WHERE " + where + " GROUP BY ALL HAVING count(*) > 1";
    }
    case RuleKind::kAcceptedValues:
      return "SELECT * FROM " + table + " WHERE " + column + " IS NOT NULL AND " + column +
             " NOT IN (" + Join(rule.values, ", ") + ")";
    case RuleKind::kRange: {
      std::string outside;
      if (rule.min)
        outside += column + " < " + *rule.min;
      if (rule.max)
        outside += (outside.empty() ? "" : " OR ") + column + " > " + *rule.max;
      return "SELECT * FROM " + table + " WHERE " + outside;
    }
    case RuleKind::kRegex:
      return "SELECT * FROM " + table + " WHERE " + column +
             " IS NOT NULL AND NOT regexp_full_match(CAST(" + column + " AS VARCHAR), " +
             QuoteLiteral(rule.pattern) + ")";
    case RuleKind::kRowCount: {
      std::string inside;
      if (rule.min)
        inside += "count(*) >= " + *rule.min;
      if (rule.max)
        inside += (inside.empty() ? "" : " AND ") + std::string("count(*) <= ") + *rule.max;
      return "SELECT count(*) AS row_count FROM " + table + " HAVING NOT (" + inside + ")";
    }
    case RuleKind::kReferences: {
      auto [target, target_column] = ReferencedTableAndColumn(rule.references);
      return "SELECT * FROM " + table + " AS t WHERE t." + column +
             " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + target + " AS r WHERE r." +
             target_column + " = t." + column + ")";
    }
    case RuleKind::kFreshness:
      // An empty table is stale too: nothing arrived within the window.
      return "SELECT max(" + column + ") AS newest FROM " + table + " HAVING max(" + column +
             ") IS NULL OR CAST(max(" + column +
             ") AS TIMESTAMP) < CAST(now() AS TIMESTAMP) - "
             "to_seconds(" +
             std::to_string(rule.max_age_seconds) + ")";
    case RuleKind::kSql:
      return "SELECT * FROM (" + rule.sql + "\n)";
  }
  return "SELECT 1 WHERE false";
}

std::vector<RuleResult> RunRules(engine::Connection& connection,
                                 const std::vector<RuleSpec>& rules) {
  std::vector<RuleResult> results;
  for (const RuleSpec& rule : rules) {
    RuleResult result;
    result.name = rule.name;
    result.table = rule.table;
    result.type = RuleTypeName(rule.kind);
    result.severity = rule.severity;
    result.sql = ViolationSql(rule);
    auto start = std::chrono::steady_clock::now();
    // Count first; sample only what failed, so a passing contract costs one scan per rule.
    auto count = connection.QueryScalarString("SELECT count(*) FROM (" + result.sql + "\n)");
    if (!count.ok()) {
      result.error = count.status().message();
    } else {
      result.violations = ParseInt64(count->value_or("0")).ValueOr(0);
      if (result.violations > 0) {
        auto sample = connection.QueryScalarString(
            "SELECT string_agg(CAST(v AS VARCHAR), chr(30)) FROM (SELECT * FROM (" + result.sql +
            "\n) LIMIT 5) AS v");
        if (sample.ok() && sample->has_value())
          result.sample = Split(**sample, '\x1e');  // chr(30): rows may hold newlines
      }
      result.passed = result.violations == 0;
    }
    result.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace tessera::products
