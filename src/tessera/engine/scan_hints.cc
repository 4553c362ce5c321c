#include "tessera/engine/scan_hints.h"

#include <filesystem>

#include "tessera/common/logging.h"
#include "tessera/common/strings.h"
#include "tessera/engine/data_dir.h"

namespace tessera::engine {
namespace {

thread_local std::optional<ScanHints> current_hints;

// Count nodes of the parse tree that read a table, and find subqueries.
void Walk(const Json& node, int* tables, bool* subquery, const Json** table) {
  if (node.is_object()) {
    auto type = node.find("type");
    if (type != node.end() && type->is_string()) {
      const auto& t = type->get_ref<const std::string&>();
      if (t == "BASE_TABLE" || t == "TABLE_FUNCTION" || t == "JOIN" || t == "SUBQUERY" ||
          t == "EMPTY_FROM" || t == "EXPRESSION_LIST" || t == "PIVOT" || t == "SHOW_REF" ||
          t == "COLUMN_DATA") {
        if (t == "BASE_TABLE" || t == "TABLE_FUNCTION") {
          ++*tables;
          *table = &node;
        } else if (t != "EMPTY_FROM") {
          *tables += 2;  // joins, subqueries in FROM, VALUES: not a plain single-table scan
        }
      }
    }
    auto cls = node.find("class");
    if (cls != node.end() && cls->is_string() && cls->get_ref<const std::string&>() == "SUBQUERY") {
      *subquery = true;
    }
    for (const auto& [key, child] : node.items())
      Walk(child, tables, subquery, table);
  } else if (node.is_array()) {
    for (const auto& child : node)
      Walk(child, tables, subquery, table);
  }
}

std::optional<ColumnPredicate::Op> ParseOp(const std::string& type, bool flipped) {
  using Op = ColumnPredicate::Op;
  if (type == "COMPARE_EQUAL")
    return Op::kEq;
  if (type == "COMPARE_LESSTHAN")
    return flipped ? Op::kGt : Op::kLt;
  if (type == "COMPARE_LESSTHANOREQUALTO")
    return flipped ? Op::kGe : Op::kLe;
  if (type == "COMPARE_GREATERTHAN")
    return flipped ? Op::kLt : Op::kGt;
  if (type == "COMPARE_GREATERTHANOREQUALTO")
    return flipped ? Op::kLe : Op::kGe;
  return std::nullopt;
}

void CollectConjuncts(const Json& expr, std::vector<ColumnPredicate>* out) {
  if (!expr.is_object())
    return;
  std::string cls = expr.value("class", "");
  std::string type = expr.value("type", "");
  if (cls == "CONJUNCTION" && type == "CONJUNCTION_AND") {
    for (const Json& child : expr.value("children", Json::array()))
      CollectConjuncts(child, out);
    return;
  }
  if (cls == "BETWEEN") {
    // x BETWEEN lo AND hi is x >= lo AND x <= hi.
    const Json& input = expr.value("input", Json());
    Json lower = {{"class", "COMPARISON"},
                  {"type", "COMPARE_GREATERTHANOREQUALTO"},
                  {"left", input},
                  {"right", expr.value("lower", Json())}};
    Json upper = {{"class", "COMPARISON"},
                  {"type", "COMPARE_LESSTHANOREQUALTO"},
                  {"left", input},
                  {"right", expr.value("upper", Json())}};
    CollectConjuncts(lower, out);
    CollectConjuncts(upper, out);
    return;
  }
  if (cls != "COMPARISON") {
    return;  // OR, NOT, functions: not used for skipping (still correct)
  }
  const Json& left = expr.value("left", Json());
  const Json& right = expr.value("right", Json());
  bool flipped = false;
  const Json* column = &left;
  const Json* constant = &right;
  if (left.value("class", "") == "CONSTANT") {
    std::swap(column, constant);
    flipped = true;
  }
  if (column->value("class", "") != "COLUMN_REF" || constant->value("class", "") != "CONSTANT")
    return;
  const Json& names = column->value("column_names", Json::array());
  if (names.empty() || !names.back().is_string())
    return;
  const Json& value = (*constant)["value"];
  if (!value.is_object() || value.value("is_null", true))
    return;
  const Json& v = value["value"];
  if (!v.is_number() && !v.is_string())
    return;
  auto op = ParseOp(type, flipped);
  if (!op)
    return;
  out->push_back({ToLower(names.back().get<std::string>()), *op, v});
}

// -1, 0, 1 comparing a statistic (or partition value) with a predicate constant; nullopt when
// the two are not comparable (then nothing is skipped).
std::optional<int> Compare(const Json& stat, const Json& constant, const delta::DataType& type) {
  bool numeric_type = type.kind == delta::DataType::Kind::kDecimal || type.IsPrimitive("long") ||
                      type.IsPrimitive("integer") || type.IsPrimitive("short") ||
                      type.IsPrimitive("byte") || type.IsPrimitive("double") ||
                      type.IsPrimitive("float");
  if (numeric_type) {
    double a = 0;
    double b = 0;
    if (stat.is_number()) {
      a = stat.get<double>();
    } else if (stat.is_string()) {
      char* end = nullptr;
      const std::string& s = stat.get_ref<const std::string&>();
      a = std::strtod(s.c_str(), &end);
      if (end == s.c_str() || *end != '\0')
        return std::nullopt;
    } else {
      return std::nullopt;
    }
    if (!constant.is_number())
      return std::nullopt;
    b = constant.get<double>();
    if (a != a || b != b)
      return std::nullopt;  // NaN never proves anything
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if ((type.IsPrimitive("string") || type.IsPrimitive("date")) && stat.is_string() &&
      constant.is_string()) {
    int c = stat.get_ref<const std::string&>().compare(constant.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

// True if a value range [min, max] can hold a value satisfying `p`.
bool RangeMayMatch(const Json* min, const Json* max, const ColumnPredicate& p,
                   const delta::DataType& type) {
  using Op = ColumnPredicate::Op;
  constexpr int kUnknown = 2;  // not comparable: proves nothing
  int lo = min != nullptr ? Compare(*min, p.value, type).value_or(kUnknown) : kUnknown;
  int hi = max != nullptr ? Compare(*max, p.value, type).value_or(kUnknown) : kUnknown;
  bool lo_known = lo != kUnknown;
  bool hi_known = hi != kUnknown;
  switch (p.op) {
    case Op::kEq:
      return !(lo_known && lo > 0) && !(hi_known && hi < 0);
    case Op::kLt:
      return !(lo_known && lo >= 0);
    case Op::kLe:
      return !(lo_known && lo > 0);
    case Op::kGt:
      return !(hi_known && hi <= 0);
    case Op::kGe:
      return !(hi_known && hi < 0);
  }
  return true;
}

// Every name a query's column references use (each part of a qualified name), lower-cased;
// false when it selects * or COLUMNS(...), i.e. every column.
bool CollectColumnNames(const Json& node, std::set<std::string>* names) {
  if (node.is_array()) {
    for (const Json& child : node) {
      if (!CollectColumnNames(child, names))
        return false;
    }
    return true;
  }
  if (!node.is_object())
    return true;
  std::string kind = node.value("class", "");
  if (kind == "STAR" || kind == "COLUMNS")
    return false;
  if (kind == "COLUMN_REF") {
    if (const Json* parts = JsonFind(node, "column_names"); parts != nullptr && parts->is_array()) {
      for (const Json& part : *parts) {
        if (part.is_string())
          names->insert(ToLower(part.get<std::string>()));
      }
    }
  }
  for (const auto& [key, child] : node.items()) {
    if (child.is_structured() && !CollectColumnNames(child, names))
      return false;
  }
  return true;
}

// The rows a single-table SELECT reads at most: LIMIT n [OFFSET m] with constants, over
// plain columns (or *) with nothing that needs rows beyond those (no WHERE, ORDER BY, DISTINCT,
// GROUP BY, HAVING, QUALIFY or computed select items, which could hide an aggregate).
std::optional<int64_t> PlainLimit(const Json& node) {
  const Json* modifiers = JsonFind(node, "modifiers");
  if (modifiers == nullptr || !modifiers->is_array() || modifiers->size() != 1)
    return std::nullopt;
  const Json& limit = (*modifiers)[0];
  if (limit.value("type", "") != "LIMIT_MODIFIER")
    return std::nullopt;
  auto constant = [](const Json* expression) -> std::optional<int64_t> {
    if (expression == nullptr || expression->is_null())
      return int64_t{0};
    if (expression->value("class", "") != "CONSTANT")
      return std::nullopt;
    const Json* value = JsonFind(*expression, "value");
    const Json* number = value != nullptr ? JsonFind(*value, "value") : nullptr;
    if (number == nullptr || !number->is_number_integer() || number->get<int64_t>() < 0)
      return std::nullopt;
    return number->get<int64_t>();
  };
  const Json* count_expression = JsonFind(limit, "limit");
  if (count_expression == nullptr || count_expression->is_null())
    return std::nullopt;
  std::optional<int64_t> count = constant(count_expression);
  std::optional<int64_t> offset = constant(JsonFind(limit, "offset"));
  if (!count || !offset || *count > (int64_t{1} << 40) || *offset > (int64_t{1} << 40))
    return std::nullopt;
  for (const char* clause : {"where_clause", "having", "qualify", "sample"}) {
    const Json* value = JsonFind(node, clause);
    if (value != nullptr && !value->is_null())
      return std::nullopt;
  }
  const Json* groups = JsonFind(node, "group_expressions");
  if ((groups != nullptr && groups->is_array() && !groups->empty()) ||
      node.value("aggregate_handling", "STANDARD_HANDLING") != "STANDARD_HANDLING")
    return std::nullopt;
  const Json* select = JsonFind(node, "select_list");
  if (select == nullptr || !select->is_array())
    return std::nullopt;
  for (const Json& item : *select) {
    std::string kind = item.value("class", "");
    if (kind != "COLUMN_REF" && kind != "STAR")
      return std::nullopt;
  }
  return *count + *offset;
}

}  // namespace

std::optional<ScanHints> ExtractScanHints(Connection& connection, std::string_view sql,
                                          const std::string& data_dir) {
  auto serialized =
      connection.QueryScalarString("SELECT json_serialize_sql(" + QuoteLiteral(sql) + ")");
  if (!serialized.ok() || !*serialized) {
    Log(LogLevel::kDebug,
        "scan hints: cannot parse: " +
            (serialized.ok() ? std::string("null") : serialized.status().ToString()));
    return std::nullopt;
  }
  auto tree = ParseJson(**serialized);
  if (!tree.ok() || tree->value("error", true))
    return std::nullopt;
  const Json& statements = (*tree)["statements"];
  if (!statements.is_array() || statements.size() != 1)
    return std::nullopt;
  const Json& node = statements[0]["node"];
  if (node.value("type", "") != "SELECT_NODE")
    return std::nullopt;
  int tables = 0;
  bool subquery = false;
  const Json* table = nullptr;
  Walk(node, &tables, &subquery, &table);
  if (tables != 1 || subquery || table == nullptr) {
    Log(LogLevel::kDebug,
        "scan hints: not a single-table query (" + std::to_string(tables) + " table nodes)");
    return std::nullopt;
  }
  ScanHints hints;
  if (table->value("type", "") == "BASE_TABLE") {
    std::string name = table->value("catalog_name", "") + "." + table->value("schema_name", "") +
                       "." + table->value("table_name", "");
    auto parsed = ParseTableName(name);
    if (!parsed.ok())
      return std::nullopt;
    // As delta_scan looks hints up: by absolute, normalized path.
    hints.table_root =
        std::filesystem::absolute(TableRoot(data_dir, *parsed)).lexically_normal().string();
  } else {
    const Json& function = table->value("function", Json());
    if (ToLower(function.value("function_name", "")) != "delta_scan")
      return std::nullopt;
    const Json& args = function.value("children", Json::array());
    if (args.size() != 1 || args[0].value("class", "") != "CONSTANT")
      return std::nullopt;  // latest only
    const Json& path = args[0]["value"]["value"];
    if (!path.is_string())
      return std::nullopt;
    hints.table_root =
        std::filesystem::absolute(path.get<std::string>()).lexically_normal().string();
  }
  CollectConjuncts(node.value("where_clause", Json()), &hints.predicates);
  hints.limit = PlainLimit(node);
  std::set<std::string> names;
  if (CollectColumnNames(node, &names))
    hints.columns = std::move(names);
  Log(LogLevel::kDebug, "scan hints: " + std::to_string(hints.predicates.size()) +
                            " predicates on " + hints.table_root);
  if (hints.predicates.empty() && !hints.limit && !hints.columns)
    return std::nullopt;
  return hints;
}

bool FileMayMatch(const delta::Snapshot& snapshot, const delta::AddFile& file,
                  const std::vector<ColumnPredicate>& predicates) {
  std::optional<Json> stats;
  for (const ColumnPredicate& p : predicates) {
    const delta::Field* field = snapshot.schema().Find(p.column);
    if (field == nullptr)
      continue;
    bool is_partition = false;
    for (const auto& c : snapshot.metadata().partition_columns)
      is_partition |= ToLower(c) == p.column;
    if (is_partition) {
      auto it = file.partition_values.find(field->PhysicalName());
      if (it == file.partition_values.end())
        continue;
      if (!it->second || it->second->empty())
        return false;  // NULL never satisfies a comparison
      Json value = *it->second;
      if (!RangeMayMatch(&value, &value, p, field->type))
        return false;
      continue;
    }
    if (!stats) {
      if (file.stats) {
        auto parsed = ParseJson(*file.stats);
        stats = parsed.ok() ? *parsed : Json::object();
      } else {
        stats = file.stats_parsed ? *file.stats_parsed : Json::object();
      }
    }
    std::string physical = field->PhysicalName();
    const Json* min = nullptr;
    const Json* max = nullptr;
    if (const Json* mins = JsonFind(*stats, "minValues"))
      min = JsonFind(*mins, physical);
    if (const Json* maxs = JsonFind(*stats, "maxValues"))
      max = JsonFind(*maxs, physical);
    // Truncated string maxima (32-character prefixes) are not upper bounds.
    if (max != nullptr && max->is_string() && max->get_ref<const std::string&>().size() >= 32)
      max = nullptr;
    if (!RangeMayMatch(min, max, p, field->type))
      return false;
  }
  return true;
}

ScopedScanHints::ScopedScanHints(std::optional<ScanHints> hints)
    : previous_(std::move(current_hints)) {
  current_hints = std::move(hints);
}

ScopedScanHints::~ScopedScanHints() { current_hints = std::move(previous_); }

const std::vector<ColumnPredicate>* ScopedScanHints::For(const std::string& table_root) {
  if (!current_hints || current_hints->table_root != table_root ||
      current_hints->predicates.empty())
    return nullptr;
  return &current_hints->predicates;
}

const std::set<std::string>* ScopedScanHints::ColumnsFor(const std::string& table_root) {
  if (!current_hints || current_hints->table_root != table_root || !current_hints->columns)
    return nullptr;
  return &*current_hints->columns;
}

std::optional<int64_t> ScopedScanHints::LimitFor(const std::string& table_root) {
  if (!current_hints || current_hints->table_root != table_root)
    return std::nullopt;
  return current_hints->limit;
}

namespace {
thread_local bool defining_views = false;
}  // namespace

ScopedViewDefinition::ScopedViewDefinition() : previous_(defining_views) { defining_views = true; }

ScopedViewDefinition::~ScopedViewDefinition() { defining_views = previous_; }

bool ScopedViewDefinition::Active() { return defining_views; }

}  // namespace tessera::engine
