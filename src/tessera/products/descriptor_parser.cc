// ParseDescriptor: product.yaml → ProductDescriptor, with every error at file:line:column.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "tessera/common/strings.h"
#include "tessera/products/descriptor.h"

namespace tessera::products {
namespace {

// yaml-cpp reports a plain (unquoted) scalar with tag "?"; quoted ones with "!".
bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool IsIdentifier(std::string_view s, bool lower_only) {
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9'))
    return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           (!lower_only && c >= 'A' && c <= 'Z');
  });
}

// The column types a declared column may have: what Delta can hold and DuckDB can cast to.
// Aliases from Delta/Spark and PostgreSQL spellings map to DuckDB's names.
std::optional<std::string> NormalizeType(std::string_view text) {
  static const std::map<std::string, std::string> kNames = {
      {"boolean", "BOOLEAN"},
      {"bool", "BOOLEAN"},
      {"tinyint", "TINYINT"},
      {"byte", "TINYINT"},
      {"smallint", "SMALLINT"},
      {"short", "SMALLINT"},
      {"int2", "SMALLINT"},
      {"integer", "INTEGER"},
      {"int", "INTEGER"},
      {"int4", "INTEGER"},
      {"bigint", "BIGINT"},
      {"long", "BIGINT"},
      {"int8", "BIGINT"},
      {"float", "FLOAT"},
      {"real", "FLOAT"},
      {"float4", "FLOAT"},
      {"double", "DOUBLE"},
      {"float8", "DOUBLE"},
      {"varchar", "VARCHAR"},
      {"string", "VARCHAR"},
      {"text", "VARCHAR"},
      {"date", "DATE"},
      {"timestamp", "TIMESTAMP"},
      {"timestamp_ntz", "TIMESTAMP"},
      {"timestamptz", "TIMESTAMPTZ"},
      {"timestamp with time zone", "TIMESTAMPTZ"},
      {"blob", "BLOB"},
      {"binary", "BLOB"},
      {"bytea", "BLOB"},
  };
  std::string lower = ToLower(Trim(text));
  if (auto it = kNames.find(lower); it != kNames.end())
    return it->second;
  // decimal(p, s) with 1 <= p <= 38, 0 <= s <= p.
  for (std::string_view prefix : {"decimal", "numeric"}) {
    if (!StartsWith(lower, prefix))
      continue;
    std::string_view whole = lower;
    std::string rest(Trim(whole.substr(prefix.size())));
    if (rest.size() < 3 || rest.front() != '(' || rest.back() != ')')
      return std::nullopt;
    std::vector<std::string> parts = Split(rest.substr(1, rest.size() - 2), ',');
    if (parts.size() != 2)
      return std::nullopt;
    auto p = ParseInt64(Trim(parts[0]));
    auto s = ParseInt64(Trim(parts[1]));
    if (!p.ok() || !s.ok() || *p < 1 || *p > 38 || *s < 0 || *s > *p)
      return std::nullopt;
    return "DECIMAL(" + std::to_string(*p) + "," + std::to_string(*s) + ")";
  }
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  Result<ProductDescriptor> Parse(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(file_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                                     std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    try {
      TESSERA_RETURN_NOT_OK(ParseRoot(root));
    } catch (const YAML::Exception& e) {
      // Our checks come before every conversion; this is a safety net, still with a position.
      return Status::InvalidArgument(file_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                                     std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    return std::move(out_);
  }

 private:
  SourcePosition At(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    return {mark.line + 1, mark.column + 1};
  }

  Status Error(const YAML::Node& node, const std::string& what, const std::string& hint = "") {
    SourcePosition p = At(node);
    std::string message =
        file_ + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + what;
    if (!hint.empty())
      message += " (hint: " + hint + ")";
    return Status::InvalidArgument(message);
  }

  // Every key of `map` must be one of the section's (DescriptorKeys); the error names the
  // closest known key.
  Status CheckKeys(const YAML::Node& map, const std::string& where, const char* section) {
    const std::vector<std::string>& known = DescriptorKeys().at(section);
    for (auto it = map.begin(); it != map.end(); ++it) {
      YAML::Node key = it->first;  // a copy: the iterator hands out a temporary
      if (!key.IsScalar())
        return Error(key, "keys of " + where + " must be plain names");
      std::string name = key.Scalar();
      if (std::find(known.begin(), known.end(), name) != known.end())
        continue;
      std::string best;
      size_t best_distance = 3;
      for (const std::string& k : known) {
        size_t d = EditDistance(name, k);
        if (d < best_distance) {
          best_distance = d;
          best = k;
        }
      }
      std::string all;
      for (const std::string& k : known)
        all += (all.empty() ? "" : ", ") + k;
      return Error(key, "unknown key '" + name + "' in " + where,
                   best.empty() ? "known keys: " + all : "did you mean '" + best + "'?");
    }
    return Status::OK();
  }

  Status RequireMap(const YAML::Node& node, const std::string& what) {
    if (!node.IsMap())
      return Error(node, what + " must be a mapping of keys to values");
    return Status::OK();
  }

  Result<std::string> Text(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar())
      return Error(node, what + " must be a text value");
    return node.Scalar();
  }

  Result<std::string> RequiredText(const YAML::Node& map, const char* key,
                                   const std::string& where) {
    YAML::Node node = map[key];
    if (!node || node.IsNull())
      return Error(map, where + " needs '" + key + "'");
    TESSERA_ASSIGN_OR_RETURN(std::string value, Text(node, "'" + std::string(key) + "'"));
    if (Trim(value).empty())
      return Error(node, "'" + std::string(key) + "' must not be empty");
    return value;
  }

  Result<std::string> OptionalText(const YAML::Node& map, const char* key) {
    YAML::Node node = map[key];
    if (!node || node.IsNull())
      return std::string();
    return Text(node, "'" + std::string(key) + "'");
  }

  Result<bool> Bool(const YAML::Node& node, const std::string& what) {
    bool value = false;
    if (!IsPlainScalar(node) || !YAML::convert<bool>::decode(node, value))
      return Error(node, what + " must be true or false");
    return value;
  }

  Result<std::string> Identifier(const YAML::Node& node, const std::string& what, bool lower_only) {
    TESSERA_ASSIGN_OR_RETURN(std::string value, Text(node, what));
    if (!IsIdentifier(value, lower_only)) {
      return Error(node, what + " '" + value + "' is not an identifier",
                   lower_only ? "lower-case letters, digits and _, not starting with a digit, "
                                "at most 63 characters"
                              : "letters, digits and _, not starting with a digit, at most 63 "
                                "characters");
    }
    return value;
  }

  Result<std::vector<std::string>> TextList(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence())
      return Error(node, what + " must be a list");
    for (const YAML::Node& item : node) {
      TESSERA_ASSIGN_OR_RETURN(std::string value, Text(item, "each entry of " + what));
      out.push_back(std::move(value));
    }
    return out;
  }

  // A YAML scalar as a SQL literal: plain numbers and booleans stay what they are, the rest is
  // quoted text (so nothing written in a descriptor can become SQL).
  Result<std::string> Literal(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar())
      return Error(node, what + " must be a single value");
    const std::string& text = node.Scalar();
    if (IsPlainScalar(node)) {
      bool flag = false;
      if (YAML::convert<bool>::decode(node, flag))
        return std::string(flag ? "TRUE" : "FALSE");
      double number = 0;
      bool numeric =
          !text.empty() && text.find_first_not_of("0123456789+-.eE") == std::string::npos;
      if (numeric && YAML::convert<double>::decode(node, number))
        return text;
    }
    return QuoteLiteral(text);
  }

  Status ParseRoot(const YAML::Node& root) {
    if (!root || root.IsNull())
      return Status::InvalidArgument(file_ + ":1:1: the descriptor is empty");
    TESSERA_RETURN_NOT_OK(RequireMap(root, "a descriptor"));
    TESSERA_RETURN_NOT_OK(CheckKeys(root, "the descriptor", "descriptor"));
    for (const char* key : {"domain", "name", "version", "tables"}) {
      if (!root[key])
        return Error(root, "the descriptor needs '" + std::string(key) + "'");
    }
    TESSERA_ASSIGN_OR_RETURN(out_.domain, Identifier(root["domain"], "domain", true));
    if (out_.domain == "tessera")
      return Error(root["domain"], "domain 'tessera' is reserved for the catalog's own tables",
                   "tessera.products, tessera.columns, ... in SQL");
    TESSERA_ASSIGN_OR_RETURN(out_.name, Identifier(root["name"], "name", true));
    TESSERA_ASSIGN_OR_RETURN(std::string version, Text(root["version"], "version"));
    auto semver = ParseSemver(version);
    if (!semver.ok())
      return Error(root["version"], semver.status().message(), "start at 1.0.0");
    out_.version = *semver;
    TESSERA_ASSIGN_OR_RETURN(out_.description, OptionalText(root, "description"));
    if (YAML::Node owner = root["owner"]; owner && !owner.IsNull()) {
      if (owner.IsScalar()) {
        out_.owner_team = owner.Scalar();
      } else {
        TESSERA_RETURN_NOT_OK(RequireMap(owner, "owner"));
        TESSERA_RETURN_NOT_OK(CheckKeys(owner, "owner", "owner"));
        TESSERA_ASSIGN_OR_RETURN(out_.owner_team, OptionalText(owner, "team"));
        TESSERA_ASSIGN_OR_RETURN(out_.owner_contact, OptionalText(owner, "contact"));
      }
    }
    if (YAML::Node tags = root["tags"]; tags && !tags.IsNull()) {
      TESSERA_ASSIGN_OR_RETURN(out_.tags, TextList(tags, "tags"));
    }
    TESSERA_RETURN_NOT_OK(ParseTables(root["tables"]));
    if (YAML::Node contract = root["contract"]; contract && !contract.IsNull())
      TESSERA_RETURN_NOT_OK(ParseContract(contract));
    if (YAML::Node ports = root["ports"]; ports && !ports.IsNull())
      TESSERA_RETURN_NOT_OK(ParsePorts(ports));
    if (YAML::Node access = root["access"]; access && !access.IsNull()) {
      TESSERA_RETURN_NOT_OK(RequireMap(access, "access"));
      TESSERA_RETURN_NOT_OK(CheckKeys(access, "access", "access"));
      if (YAML::Node readers = access["readers"]; readers && !readers.IsNull()) {
        TESSERA_ASSIGN_OR_RETURN(out_.readers, TextList(readers, "readers"));
      }
    }
    if (YAML::Node refresh = root["refresh"]; refresh && !refresh.IsNull())
      TESSERA_RETURN_NOT_OK(ParseRefresh(refresh));
    return Status::OK();
  }

  Status ParseTables(const YAML::Node& tables) {
    if (!tables.IsSequence() || tables.size() == 0)
      return Error(tables, "'tables' must be a list with at least one table");
    std::set<std::string> names;
    for (const YAML::Node& node : tables) {
      TESSERA_RETURN_NOT_OK(RequireMap(node, "a table"));
      TESSERA_RETURN_NOT_OK(CheckKeys(node, "a table", "table"));
      TableSpec table;
      table.position = At(node);
      if (!node["name"])
        return Error(node, "a table needs 'name'");
      TESSERA_ASSIGN_OR_RETURN(table.name, Identifier(node["name"], "table name", true));
      if (!names.insert(table.name).second)
        return Error(node["name"], "table '" + table.name + "' is declared twice");
      TESSERA_ASSIGN_OR_RETURN(table.description, OptionalText(node, "description"));
      if (YAML::Node columns = node["columns"]; columns && !columns.IsNull())
        TESSERA_RETURN_NOT_OK(ParseColumns(columns, table));
      if (YAML::Node partition = node["partition_by"]; partition && !partition.IsNull()) {
        TESSERA_ASSIGN_OR_RETURN(table.partition_by, TextList(partition, "partition_by"));
        for (const std::string& p : table.partition_by) {
          if (!IsIdentifier(p, false))
            return Error(partition, "partition column '" + p + "' is not an identifier");
          if (!table.columns.empty() &&
              std::none_of(table.columns.begin(), table.columns.end(),
                           [&](const ColumnSpec& c) { return c.name == p; })) {
            return Error(partition, "partition column '" + p + "' is not a column of table '" +
                                        table.name + "'");
          }
        }
      }
      if (!node["source"] || node["source"].IsNull())
        return Error(node, "table '" + table.name + "' needs a 'source'",
                     "files: <path or glob>, or sql: <query>");
      TESSERA_RETURN_NOT_OK(ParseSource(node["source"], table.source));
      out_.tables.push_back(std::move(table));
    }
    return Status::OK();
  }

  Status ParseColumns(const YAML::Node& columns, TableSpec& table) {
    if (!columns.IsSequence())
      return Error(columns, "'columns' must be a list");
    std::set<std::string> seen;
    for (const YAML::Node& node : columns) {
      TESSERA_RETURN_NOT_OK(RequireMap(node, "a column"));
      TESSERA_RETURN_NOT_OK(CheckKeys(node, "a column", "column"));
      ColumnSpec column;
      column.position = At(node);
      if (!node["name"])
        return Error(node, "a column needs 'name'");
      TESSERA_ASSIGN_OR_RETURN(column.name, Identifier(node["name"], "column name", false));
      if (!seen.insert(ToLower(column.name)).second)
        return Error(node["name"], "column '" + column.name + "' is declared twice");
      if (!node["type"])
        return Error(node, "column '" + column.name + "' needs 'type'");
      TESSERA_ASSIGN_OR_RETURN(std::string type, Text(node["type"], "type"));
      std::optional<std::string> normalized = NormalizeType(type);
      if (!normalized) {
        return Error(node["type"], "unknown column type '" + type + "'",
                     "boolean, tinyint, smallint, integer, bigint, float, double, "
                     "decimal(p,s), varchar, date, timestamp, timestamptz, blob; leave "
                     "'columns' out to keep the source's types");
      }
      column.type = *normalized;
      TESSERA_ASSIGN_OR_RETURN(column.description, OptionalText(node, "description"));
      if (node["nullable"]) {
        TESSERA_ASSIGN_OR_RETURN(column.nullable, Bool(node["nullable"], "nullable"));
      }
      if (node["primary_key"]) {
        TESSERA_ASSIGN_OR_RETURN(column.primary_key, Bool(node["primary_key"], "primary_key"));
      }
      if (YAML::Node c = node["classification"]; c && !c.IsNull()) {
        TESSERA_ASSIGN_OR_RETURN(column.classification, Text(c, "classification"));
        static const std::set<std::string> kKnown = {"public", "internal", "confidential", "pii"};
        if (kKnown.count(column.classification) == 0)
          return Error(c, "unknown classification '" + column.classification + "'",
                       "public, internal, confidential or pii");
      }
      table.columns.push_back(std::move(column));
    }
    return Status::OK();
  }

  Status ParseSource(const YAML::Node& node, SourceSpec& source) {
    TESSERA_RETURN_NOT_OK(RequireMap(node, "a source"));
    TESSERA_RETURN_NOT_OK(CheckKeys(node, "a source", "source"));
    source.position = At(node);
    bool files = node["files"].IsDefined();
    bool sql = node["sql"].IsDefined();
    if (files == sql)
      return Error(node, "a source has exactly one of 'files' or 'sql'");
    if (sql) {
      source.kind = SourceKind::kSql;
      TESSERA_ASSIGN_OR_RETURN(source.sql, RequiredText(node, "sql", "a source"));
      if (node["format"])
        return Error(node["format"], "'format' applies to files sources only");
      return Status::OK();
    }
    source.kind = SourceKind::kFiles;
    TESSERA_ASSIGN_OR_RETURN(std::string path, RequiredText(node, "files", "a source"));
    std::filesystem::path p(path);
    if (p.is_relative())
      p = std::filesystem::path(base_dir_) / p;
    source.path = p.lexically_normal().string();
    std::string format;
    TESSERA_ASSIGN_OR_RETURN(format, OptionalText(node, "format"));
    if (format.empty()) {
      std::string lower = ToLower(path);
      if (EndsWith(lower, ".csv") || EndsWith(lower, ".csv.gz") || EndsWith(lower, ".tsv"))
        format = "csv";
      else if (EndsWith(lower, ".json") || EndsWith(lower, ".ndjson") || EndsWith(lower, ".jsonl"))
        format = "json";
      else
        format = "parquet";
    }
    if (format == "parquet")
      source.format = FileFormat::kParquet;
    else if (format == "csv")
      source.format = FileFormat::kCsv;
    else if (format == "json")
      source.format = FileFormat::kJson;
    else
      return Error(node["format"], "unknown file format '" + format + "'", "parquet, csv or json");
    return Status::OK();
  }

  Status ParseContract(const YAML::Node& contract) {
    TESSERA_RETURN_NOT_OK(RequireMap(contract, "contract"));
    TESSERA_RETURN_NOT_OK(CheckKeys(contract, "contract", "contract"));
    YAML::Node rules = contract["rules"];
    if (!rules || rules.IsNull())
      return Status::OK();
    if (!rules.IsSequence())
      return Error(rules, "'rules' must be a list");
    std::set<std::string> names;
    for (const YAML::Node& node : rules) {
      TESSERA_ASSIGN_OR_RETURN(RuleSpec rule, ParseRule(node));
      if (!names.insert(rule.name).second)
        return Error(node, "two rules are named '" + rule.name + "'", "give one a 'name'");
      out_.rules.push_back(std::move(rule));
    }
    return Status::OK();
  }

  Result<RuleSpec> ParseRule(const YAML::Node& node) {
    static const std::map<std::string, RuleKind> kKinds = {
        {"not_null", RuleKind::kNotNull},
        {"unique", RuleKind::kUnique},
        {"accepted_values", RuleKind::kAcceptedValues},
        {"range", RuleKind::kRange},
        {"regex", RuleKind::kRegex},
        {"row_count", RuleKind::kRowCount},
        {"references", RuleKind::kReferences},
        {"freshness", RuleKind::kFreshness},
        {"sql", RuleKind::kSql},
    };
    TESSERA_RETURN_NOT_OK(RequireMap(node, "a rule"));
    TESSERA_RETURN_NOT_OK(CheckKeys(node, "a rule", "rule"));
    RuleSpec rule;
    rule.position = At(node);
    TESSERA_ASSIGN_OR_RETURN(std::string type, RequiredText(node, "type", "a rule"));
    auto kind = kKinds.find(type);
    if (kind == kKinds.end()) {
      return Error(node["type"], "unknown rule type '" + type + "'",
                   "not_null, unique, accepted_values, range, regex, row_count, references, "
                   "freshness or sql");
    }
    rule.kind = kind->second;
    if (YAML::Node severity = node["severity"]; severity && !severity.IsNull()) {
      TESSERA_ASSIGN_OR_RETURN(std::string s, Text(severity, "severity"));
      if (s == "error")
        rule.severity = Severity::kError;
      else if (s == "warn")
        rule.severity = Severity::kWarn;
      else
        return Error(severity, "unknown severity '" + s + "'", "error or warn");
    }
    // The table: named, or the product's only one.
    if (YAML::Node table = node["table"]; table && !table.IsNull()) {
      TESSERA_ASSIGN_OR_RETURN(rule.table, Identifier(table, "table", true));
      if (out_.FindTable(rule.table) == nullptr)
        return Error(table,
                     "rule names table '" + rule.table + "', which the product does not have");
    } else if (out_.tables.size() == 1) {
      rule.table = out_.tables[0].name;
    } else {
      return Error(node, "a rule needs 'table' when the product has several tables");
    }
    const TableSpec& table = *out_.FindTable(rule.table);
    if (YAML::Node column = node["column"]; column && !column.IsNull()) {
      TESSERA_ASSIGN_OR_RETURN(std::string c, Identifier(column, "column", false));
      rule.columns.push_back(std::move(c));
    }
    if (YAML::Node columns = node["columns"]; columns && !columns.IsNull()) {
      TESSERA_ASSIGN_OR_RETURN(auto list, TextList(columns, "columns"));
      for (std::string& c : list) {
        if (!IsIdentifier(c, false))
          return Error(columns, "column '" + c + "' is not an identifier");
        rule.columns.push_back(std::move(c));
      }
    }
    for (const std::string& c : rule.columns) {
      if (!table.columns.empty() &&
          std::none_of(table.columns.begin(), table.columns.end(),
                       [&](const ColumnSpec& s) { return ToLower(s.name) == ToLower(c); })) {
        return Error(node, "rule names column '" + c + "', which table '" + table.name +
                               "' does not declare");
      }
    }
    bool needs_one_column = rule.kind == RuleKind::kNotNull || rule.kind == RuleKind::kRange ||
                            rule.kind == RuleKind::kRegex ||
                            rule.kind == RuleKind::kAcceptedValues ||
                            rule.kind == RuleKind::kReferences || rule.kind == RuleKind::kFreshness;
    if (needs_one_column && rule.columns.size() != 1)
      return Error(node, "a " + type + " rule needs one 'column'");
    if (rule.kind == RuleKind::kUnique && rule.columns.empty())
      return Error(node, "a unique rule needs 'column' or 'columns'");
    switch (rule.kind) {
      case RuleKind::kAcceptedValues: {
        YAML::Node values = node["values"];
        if (!values || !values.IsSequence() || values.size() == 0)
          return Error(values ? values : node, "an accepted_values rule needs a 'values' list");
        for (const YAML::Node& v : values) {
          TESSERA_ASSIGN_OR_RETURN(std::string literal, Literal(v, "each value"));
          rule.values.push_back(std::move(literal));
        }
        break;
      }
      case RuleKind::kRange:
      case RuleKind::kRowCount: {
        for (const char* key : {"min", "max"}) {
          YAML::Node bound = node[key];
          if (!bound || bound.IsNull())
            continue;
          TESSERA_ASSIGN_OR_RETURN(std::string literal, Literal(bound, key));
          (std::string(key) == "min" ? rule.min : rule.max) = literal;
          if (rule.kind == RuleKind::kRowCount && !ParseInt64(bound.Scalar()).ok())
            return Error(bound, std::string("'") + key + "' of a row_count rule must be a number");
        }
        if (!rule.min && !rule.max)
          return Error(node, "a " + type + " rule needs 'min', 'max' or both");
        break;
      }
      case RuleKind::kRegex: {
        TESSERA_ASSIGN_OR_RETURN(rule.pattern, RequiredText(node, "pattern", "a regex rule"));
        break;
      }
      case RuleKind::kReferences: {
        TESSERA_ASSIGN_OR_RETURN(rule.references,
                                 RequiredText(node, "references", "a references rule"));
        std::vector<std::string> parts = Split(rule.references, '.');
        bool ok = parts.size() == 2 || parts.size() == 4;
        for (const std::string& p : parts)
          ok = ok && IsIdentifier(p, false);
        if (!ok)
          return Error(node["references"], "'" + rule.references + "' is not a column reference",
                       "table.column in this product, or domain.product.table.column");
        if (parts.size() == 2 && out_.FindTable(parts[0]) == nullptr)
          return Error(node["references"],
                       "references table '" + parts[0] + "', which the product does not have");
        break;
      }
      case RuleKind::kFreshness: {
        TESSERA_ASSIGN_OR_RETURN(std::string age,
                                 RequiredText(node, "max_age", "a freshness rule"));
        auto seconds = ParseDurationSeconds(age);
        if (!seconds.ok())
          return Error(node["max_age"], seconds.status().message());
        rule.max_age_seconds = *seconds;
        break;
      }
      case RuleKind::kSql: {
        TESSERA_ASSIGN_OR_RETURN(rule.sql, RequiredText(node, "query", "a sql rule"));
        break;
      }
      case RuleKind::kNotNull:
      case RuleKind::kUnique:
        break;
    }
    if (YAML::Node name = node["name"]; name && !name.IsNull()) {
      TESSERA_ASSIGN_OR_RETURN(rule.name, Identifier(name, "rule name", false));
    } else {
      rule.name = type + "_" + rule.table;
      for (const std::string& c : rule.columns)
        rule.name += "_" + ToLower(c);
    }
    return rule;
  }

  Status ParsePorts(const YAML::Node& ports) {
    TESSERA_RETURN_NOT_OK(RequireMap(ports, "ports"));
    TESSERA_RETURN_NOT_OK(CheckKeys(ports, "ports", "ports"));
    PortsSpec& p = out_.ports;
    if (ports["sql"]) {
      TESSERA_ASSIGN_OR_RETURN(p.sql, Bool(ports["sql"], "ports.sql"));
    }
    if (ports["graphql"]) {
      TESSERA_ASSIGN_OR_RETURN(p.graphql, Bool(ports["graphql"], "ports.graphql"));
    }
    if (ports["export"]) {
      TESSERA_ASSIGN_OR_RETURN(p.export_files, Bool(ports["export"], "ports.export"));
    }
    if (ports["events"]) {
      TESSERA_ASSIGN_OR_RETURN(p.events, Bool(ports["events"], "ports.events"));
    }
    if (YAML::Node sharing = ports["sharing"]; sharing && !sharing.IsNull()) {
      if (sharing.IsMap()) {
        TESSERA_RETURN_NOT_OK(CheckKeys(sharing, "ports.sharing", "ports.sharing"));
        p.sharing = true;
        if (sharing["recipients"]) {
          TESSERA_ASSIGN_OR_RETURN(p.sharing_recipients,
                                   TextList(sharing["recipients"], "recipients"));
        }
      } else {
        TESSERA_ASSIGN_OR_RETURN(p.sharing, Bool(sharing, "ports.sharing"));
      }
    }
    return Status::OK();
  }

  Status ParseRefresh(const YAML::Node& refresh) {
    if (refresh.IsScalar() && refresh.Scalar() == "manual")
      return Status::OK();
    std::string interval;
    if (refresh.IsMap()) {
      TESSERA_RETURN_NOT_OK(CheckKeys(refresh, "refresh", "refresh"));
      TESSERA_ASSIGN_OR_RETURN(interval, RequiredText(refresh, "interval", "refresh"));
    } else {
      TESSERA_ASSIGN_OR_RETURN(interval, Text(refresh, "refresh"));
    }
    auto seconds = ParseDurationSeconds(interval);
    if (!seconds.ok())
      return Error(refresh, seconds.status().message(), "manual, or an interval such as 1h");
    out_.refresh_seconds = *seconds;
    return Status::OK();
  }

  std::string file_;
  std::string base_dir_;
  ProductDescriptor out_;
};

}  // namespace

const std::map<std::string, std::vector<std::string>>& DescriptorKeys() {
  static const std::map<std::string, std::vector<std::string>> kKeys = {
      {"descriptor",
       {"domain", "name", "version", "description", "owner", "tags", "tables", "contract", "ports",
        "access", "refresh"}},
      {"owner", {"team", "contact"}},
      {"access", {"readers"}},
      {"table", {"name", "description", "columns", "partition_by", "source"}},
      {"column", {"name", "type", "description", "nullable", "classification", "primary_key"}},
      {"source", {"files", "format", "sql"}},
      {"contract", {"rules"}},
      {"rule",
       {"name", "type", "table", "column", "columns", "values", "min", "max", "pattern",
        "references", "max_age", "query", "severity", "description"}},
      {"ports", {"sql", "sharing", "graphql", "export", "events"}},
      {"ports.sharing", {"recipients"}},
      {"refresh", {"interval"}},
  };
  return kKeys;
}

Result<ProductDescriptor> ParseDescriptor(std::string_view yaml, const std::string& file,
                                          const std::string& base_dir) {
  Parser parser(file, base_dir);
  TESSERA_ASSIGN_OR_RETURN(ProductDescriptor descriptor, parser.Parse(yaml));
  descriptor.file = file;
  descriptor.base_dir = base_dir;
  descriptor.text = std::string(yaml);
  return descriptor;
}

}  // namespace tessera::products
