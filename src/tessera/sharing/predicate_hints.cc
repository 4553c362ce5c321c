#include "tessera/sharing/predicate_hints.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <variant>

#include "tessera/common/strings.h"
#include "tessera/common/time.h"

namespace tessera::sharing {
namespace {

const std::set<std::string>& ComparisonOps() {
  static const std::set<std::string> kOps = {"equal", "lessThan", "lessThanOrEqual", "greaterThan",
                                             "greaterThanOrEqual"};
  return kOps;
}

const std::set<std::string>& ValueTypes() {
  static const std::set<std::string> kTypes = {"bool", "int",   "long",   "string",
                                               "date", "float", "double", "timestamp"};
  return kTypes;
}

// What values of a column are compared as.
enum class ValueKind { kInt, kDouble, kString, kDate, kTimestamp, kBool };
using Value = std::variant<int64_t, double, std::string>;

std::optional<ValueKind> KindOfValueType(std::string_view type) {
  if (type == "int" || type == "long")
    return ValueKind::kInt;
  if (type == "float" || type == "double")
    return ValueKind::kDouble;
  if (type == "string")
    return ValueKind::kString;
  if (type == "date")
    return ValueKind::kDate;
  if (type == "timestamp")
    return ValueKind::kTimestamp;
  if (type == "bool")
    return ValueKind::kBool;
  return std::nullopt;
}

std::optional<ValueKind> KindOfColumn(const delta::DataType& type) {
  if (type.kind != delta::DataType::Kind::kPrimitive)
    return std::nullopt;
  const std::string& n = type.name;
  if (n == "byte" || n == "short" || n == "integer" || n == "long")
    return ValueKind::kInt;
  if (n == "float" || n == "double")
    return ValueKind::kDouble;
  if (n == "string")
    return ValueKind::kString;
  if (n == "date")
    return ValueKind::kDate;
  if (n == "timestamp" || n == "timestamp_ntz")
    return ValueKind::kTimestamp;
  if (n == "boolean")
    return ValueKind::kBool;
  return std::nullopt;
}

std::optional<Value> ParseText(ValueKind kind, std::string_view text) {
  switch (kind) {
    case ValueKind::kInt: {
      auto parsed = ParseInt64(text);
      if (!parsed.ok())
        return std::nullopt;
      return Value(*parsed);
    }
    case ValueKind::kDouble: {
      std::string copy(text);
      char* end = nullptr;
      double value = std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size())
        return std::nullopt;
      return Value(value);
    }
    case ValueKind::kString:
      return Value(std::string(text));
    case ValueKind::kDate: {
      auto days = ParseDate(text);
      if (!days.ok())
        return std::nullopt;
      return Value(int64_t{*days});
    }
    case ValueKind::kTimestamp: {
      auto micros = ParseTimestampMicros(text);
      if (!micros.ok())
        return std::nullopt;
      return Value(*micros);
    }
    case ValueKind::kBool: {
      std::string lower = ToLower(text);
      if (lower == "true")
        return Value(int64_t{1});
      if (lower == "false")
        return Value(int64_t{0});
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// A statistics value (a JSON number or string) as a column value.
std::optional<Value> ParseStat(ValueKind kind, const Json& json) {
  switch (kind) {
    case ValueKind::kInt:
      if (json.is_number_integer())
        return Value(json.get<int64_t>());
      return std::nullopt;
    case ValueKind::kDouble:
      if (json.is_number())
        return Value(json.get<double>());
      return std::nullopt;
    case ValueKind::kBool:
      if (json.is_boolean())
        return Value(int64_t{json.get<bool>() ? 1 : 0});
      return std::nullopt;
    default:
      if (json.is_string())
        return ParseText(kind, json.get<std::string>());
      return std::nullopt;
  }
}

// Three-way comparison; nullopt when the order is unknown (NaN).
std::optional<int> Compare(const Value& a, const Value& b) {
  if (a.index() != b.index())
    return std::nullopt;
  if (const auto* x = std::get_if<int64_t>(&a)) {
    int64_t y = std::get<int64_t>(b);
    return *x < y ? -1 : (*x > y ? 1 : 0);
  }
  if (const auto* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    if (std::isnan(*x) || std::isnan(y))
      return std::nullopt;
    return *x < y ? -1 : (*x > y ? 1 : 0);
  }
  int c = std::get<std::string>(a).compare(std::get<std::string>(b));
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++count;
  }
  return count;
}

// ---- JSON parsing ------------------------------------------------------------------------------

// nlohmann's parser recurses once per nesting level; measure nesting without recursion first.
bool NestingWithin(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

struct ParseState {
  const PredicateLimits& limits;
  size_t nodes = 0;
};

Result<PredicateNode> ParseNode(const Json& json, int depth, ParseState& state) {
  if (depth > state.limits.max_depth)
    return Status::InvalidArgument("predicate is nested deeper than " +
                                   std::to_string(state.limits.max_depth));
  if (++state.nodes > state.limits.max_nodes)
    return Status::InvalidArgument("predicate has more than " +
                                   std::to_string(state.limits.max_nodes) + " nodes");
  if (!json.is_object())
    return Status::InvalidArgument("a predicate node must be a JSON object");
  PredicateNode node;
  TESSERA_ASSIGN_OR_RETURN(node.op, JsonString(json, "op"));
  if (node.op == "column" || node.op == "literal") {
    TESSERA_ASSIGN_OR_RETURN(node.value_type, JsonString(json, "valueType"));
    if (ValueTypes().count(node.value_type) == 0)
      return Status::InvalidArgument("unknown valueType '" + node.value_type + "'");
    if (node.op == "column") {
      TESSERA_ASSIGN_OR_RETURN(node.name, JsonString(json, "name"));
      if (node.name.empty())
        return Status::InvalidArgument("a column needs a name");
    } else {
      TESSERA_ASSIGN_OR_RETURN(node.value, JsonString(json, "value"));
      if (!ParseText(*KindOfValueType(node.value_type), node.value)) {
        return Status::InvalidArgument("literal '" + node.value + "' is not a valid " +
                                       node.value_type);
      }
    }
    return node;
  }
  const Json* children = JsonFind(json, "children");
  if (children == nullptr || !children->is_array())
    return Status::InvalidArgument("'" + node.op + "' needs children");
  for (const Json& child : *children) {
    TESSERA_ASSIGN_OR_RETURN(PredicateNode parsed, ParseNode(child, depth + 1, state));
    node.children.push_back(std::move(parsed));
  }
  size_t count = node.children.size();
  auto leaf = [](const PredicateNode& n) { return n.op == "column" || n.op == "literal"; };
  if (ComparisonOps().count(node.op) > 0) {
    if (count != 2 || !leaf(node.children[0]) || !leaf(node.children[1]))
      return Status::InvalidArgument("'" + node.op + "' compares exactly two columns or literals");
    if (node.children[0].value_type != node.children[1].value_type)
      return Status::InvalidArgument("'" + node.op + "' compares values of different types");
  } else if (node.op == "isNull") {
    if (count != 1 || !leaf(node.children[0]))
      return Status::InvalidArgument("'isNull' takes one column or literal");
  } else if (node.op == "and" || node.op == "or" || node.op == "not") {
    if (node.op == "not" ? count != 1 : count < 2) {
      return Status::InvalidArgument(node.op == "not"
                                         ? std::string("'not' takes one child")
                                         : "'" + node.op + "' needs at least two children");
    }
    // Found by the fuzzer: a column or literal is a value, not a condition to combine.
    for (const PredicateNode& child : node.children) {
      if (leaf(child))
        return Status::InvalidArgument("'" + node.op + "' combines conditions, not '" + child.op +
                                       "'");
    }
  } else {
    return Status::InvalidArgument("unknown op '" + node.op + "'");
  }
  return node;
}

}  // namespace

Result<PredicateNode> ParseJsonPredicate(std::string_view text, const PredicateLimits& limits) {
  if (text.size() > limits.max_bytes)
    return Status::InvalidArgument("predicate is larger than " + std::to_string(limits.max_bytes) +
                                   " bytes");
  // Each predicate level is an object holding a children array.
  if (!NestingWithin(text, 2 * limits.max_depth + 2))
    return Status::InvalidArgument("predicate is nested deeper than " +
                                   std::to_string(limits.max_depth));
  auto json = ParseJson(text);
  if (!json.ok())
    return Status::InvalidArgument("predicate is not JSON: " + json.status().message());
  ParseState state{limits};
  return ParseNode(*json, 0, state);
}

// ---- legacy SQL hints --------------------------------------------------------------------------

namespace {

std::string_view SkipSpace(std::string_view text) { return Trim(text); }

// Parse a column name: bare, "double-quoted" or `backquoted`; return it and the rest.
std::optional<std::pair<std::string, std::string_view>> SqlColumn(std::string_view text) {
  text = SkipSpace(text);
  if (text.empty())
    return std::nullopt;
  if (text.front() == '"' || text.front() == '`') {
    size_t end = text.find(text.front(), 1);
    if (end == std::string_view::npos)
      return std::nullopt;
    return std::make_pair(std::string(text.substr(1, end - 1)), text.substr(end + 1));
  }
  size_t end = 0;
  while (end < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_'))
    ++end;
  if (end == 0)
    return std::nullopt;
  return std::make_pair(std::string(text.substr(0, end)), text.substr(end));
}

std::optional<std::string> SqlLiteral(std::string_view text) {
  text = SkipSpace(text);
  if (text.empty())
    return std::nullopt;
  if (text.front() == '\'') {
    std::string value;
    for (size_t i = 1; i < text.size(); ++i) {
      if (text[i] == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') {
          value += '\'';
          ++i;
          continue;
        }
        if (!SkipSpace(text.substr(i + 1)).empty())
          return std::nullopt;
        return value;
      }
      value += text[i];
    }
    return std::nullopt;
  }
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0)
      return std::nullopt;
  }
  return std::string(text);
}

std::string ValueTypeOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt:
      return "long";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kString:
      return "string";
    case ValueKind::kDate:
      return "date";
    case ValueKind::kTimestamp:
      return "timestamp";
    case ValueKind::kBool:
      return "bool";
  }
  return "string";
}

std::optional<PredicateNode> SqlHint(std::string_view hint, const delta::Snapshot& snapshot) {
  auto column = SqlColumn(hint);
  if (!column)
    return std::nullopt;
  const delta::Field* field = snapshot.schema().Find(column->first);
  if (field == nullptr)
    return std::nullopt;
  bool partition = false;
  for (const std::string& name : snapshot.metadata().partition_columns)
    partition = partition || ToLower(name) == ToLower(field->name);
  auto kind = KindOfColumn(field->type);
  if (!partition || !kind)
    return std::nullopt;
  PredicateNode col{"column", field->name, "", ValueTypeOf(*kind), {}};
  std::string rest = ToLower(SkipSpace(column->second));
  if (rest == "is null")
    return PredicateNode{"isNull", "", "", "", {col}};
  if (rest == "is not null")
    return PredicateNode{"not", "", "", "", {PredicateNode{"isNull", "", "", "", {col}}}};
  std::string_view tail = SkipSpace(column->second);
  static const std::vector<std::pair<std::string, std::string>> kOps = {
      {"<>", "!equal"}, {"!=", "!equal"},  {"<=", "lessThanOrEqual"}, {">=", "greaterThanOrEqual"},
      {"=", "equal"},   {"<", "lessThan"}, {">", "greaterThan"}};
  for (const auto& [symbol, op] : kOps) {
    if (!StartsWith(tail, symbol))
      continue;
    auto literal = SqlLiteral(tail.substr(symbol.size()));
    if (!literal || !ParseText(*kind, *literal))
      return std::nullopt;
    PredicateNode lit{"literal", "", *literal, col.value_type, {}};
    if (op == "!equal")
      return PredicateNode{"not", "", "", "", {PredicateNode{"equal", "", "", "", {col, lit}}}};
    return PredicateNode{op, "", "", "", {col, lit}};
  }
  return std::nullopt;
}

}  // namespace

std::optional<PredicateNode> ParseSqlPredicateHints(const std::vector<std::string>& hints,
                                                    const delta::Snapshot& snapshot) {
  std::vector<PredicateNode> parsed;
  for (const std::string& hint : hints) {
    if (hint.size() > 4096)
      continue;
    if (auto node = SqlHint(hint, snapshot))
      parsed.push_back(std::move(*node));
  }
  if (parsed.empty())
    return std::nullopt;
  if (parsed.size() == 1)
    return parsed.front();
  return PredicateNode{"and", "", "", "", std::move(parsed)};
}

// ---- binding and evaluation --------------------------------------------------------------------

// Truth values a file's rows can produce, as a bit set.
constexpr int kTrue = 1;
constexpr int kFalse = 2;
constexpr int kNull = 4;
constexpr int kAny = kTrue | kFalse | kNull;

struct FileFilter::Column {
  std::string physical;
  bool partition = false;
  ValueKind kind = ValueKind::kString;
};

struct FileFilter::Bound {
  enum class Kind { kAnd, kOr, kNot, kIsNull, kCompare, kUnknown } kind = Kind::kUnknown;
  std::string op;  // comparisons, with the column on the left
  size_t column = 0;
  Value literal;
  std::vector<std::unique_ptr<Bound>> children;
};

namespace {

// What one file says about one column.
struct ColumnFacts {
  bool exact = false;          // partition column: `value` is every row's value
  std::optional<Value> value;  // exact value (nullopt: NULL)
  std::optional<Value> min;    // stats bounds of the non-null values
  std::optional<Value> max;
  bool may_have_nulls = true;
  bool may_have_values = true;
};

std::string FlipOp(const std::string& op) {
  if (op == "lessThan")
    return "greaterThan";
  if (op == "lessThanOrEqual")
    return "greaterThanOrEqual";
  if (op == "greaterThan")
    return "lessThan";
  if (op == "greaterThanOrEqual")
    return "lessThanOrEqual";
  return op;
}

int CompareExact(const std::string& op, const Value& value, const Value& literal) {
  auto c = Compare(value, literal);
  if (!c)
    return kTrue | kFalse;
  bool result = false;
  if (op == "equal")
    result = *c == 0;
  else if (op == "lessThan")
    result = *c < 0;
  else if (op == "lessThanOrEqual")
    result = *c <= 0;
  else if (op == "greaterThan")
    result = *c > 0;
  else
    result = *c >= 0;
  return result ? kTrue : kFalse;
}

// Which outcomes values in [min, max] (either bound may be unknown) can give against `literal`.
int CompareRange(const std::string& op, const std::optional<Value>& min,
                 const std::optional<Value>& max, const Value& literal) {
  // Where the bounds sit relative to the literal; kUnknownOrder when a bound is missing or NaN.
  constexpr int kUnknownOrder = 2;
  int lo = kUnknownOrder;
  int hi = kUnknownOrder;
  if (min) {
    if (auto c = Compare(*min, literal))
      lo = *c;
  }
  if (max) {
    if (auto c = Compare(*max, literal))
      hi = *c;
  }
  bool lo_known = lo != kUnknownOrder;
  bool hi_known = hi != kUnknownOrder;
  bool can_true = true;
  bool can_false = true;
  if (op == "equal") {
    can_true = (!lo_known || lo <= 0) && (!hi_known || hi >= 0);
    can_false = !(lo_known && hi_known && lo == 0 && hi == 0);
  } else if (op == "lessThan") {
    can_true = !lo_known || lo < 0;
    can_false = !hi_known || hi >= 0;
  } else if (op == "lessThanOrEqual") {
    can_true = !lo_known || lo <= 0;
    can_false = !hi_known || hi > 0;
  } else if (op == "greaterThan") {
    can_true = !hi_known || hi > 0;
    can_false = !lo_known || lo <= 0;
  } else {
    can_true = !hi_known || hi >= 0;
    can_false = !lo_known || lo < 0;
  }
  return (can_true ? kTrue : 0) | (can_false ? kFalse : 0);
}

int Not(int set) {
  return ((set & kTrue) != 0 ? kFalse : 0) | ((set & kFalse) != 0 ? kTrue : 0) | (set & kNull);
}

// Kleene AND / OR of every pair of possible outcomes.
int Combine(int a, int b, bool is_and) {
  int out = 0;
  for (int x : {kTrue, kFalse, kNull}) {
    if ((a & x) == 0)
      continue;
    for (int y : {kTrue, kFalse, kNull}) {
      if ((b & y) == 0)
        continue;
      if (is_and) {
        if (x == kFalse || y == kFalse)
          out |= kFalse;
        else if (x == kNull || y == kNull)
          out |= kNull;
        else
          out |= kTrue;
      } else {
        if (x == kTrue || y == kTrue)
          out |= kTrue;
        else if (x == kNull || y == kNull)
          out |= kNull;
        else
          out |= kFalse;
      }
    }
  }
  return out;
}

int Evaluate(const FileFilter::Bound& node, const std::vector<ColumnFacts>& facts) {
  using Kind = FileFilter::Bound::Kind;
  switch (node.kind) {
    case Kind::kUnknown:
      return kAny;
    case Kind::kNot:
      return Not(Evaluate(*node.children[0], facts));
    case Kind::kAnd:
    case Kind::kOr: {
      int set = Evaluate(*node.children[0], facts);
      for (size_t i = 1; i < node.children.size(); ++i)
        set = Combine(set, Evaluate(*node.children[i], facts), node.kind == Kind::kAnd);
      return set;
    }
    case Kind::kIsNull: {
      const ColumnFacts& f = facts[node.column];
      if (f.exact)
        return f.value ? kFalse : kTrue;
      return (f.may_have_nulls ? kTrue : 0) | (f.may_have_values ? kFalse : 0);
    }
    case Kind::kCompare: {
      const ColumnFacts& f = facts[node.column];
      if (f.exact)
        return f.value ? CompareExact(node.op, *f.value, node.literal) : kNull;
      int set = f.may_have_values ? CompareRange(node.op, f.min, f.max, node.literal) : 0;
      return set | (f.may_have_nulls ? kNull : 0);
    }
  }
  return kAny;
}

}  // namespace

FileFilter::FileFilter() = default;
FileFilter::~FileFilter() = default;
FileFilter::FileFilter(FileFilter&&) noexcept = default;
FileFilter& FileFilter::operator=(FileFilter&&) noexcept = default;

namespace {

class Binder {
 public:
  Binder(const delta::Snapshot& snapshot, std::vector<FileFilter::Column>& columns)
      : snapshot_(snapshot), columns_(columns) {}

  Result<std::unique_ptr<FileFilter::Bound>> Bind(const PredicateNode& node) {
    using Kind = FileFilter::Bound::Kind;
    auto bound = std::make_unique<FileFilter::Bound>();
    if (node.op == "and" || node.op == "or" || node.op == "not") {
      bound->kind = node.op == "and" ? Kind::kAnd : (node.op == "or" ? Kind::kOr : Kind::kNot);
      for (const PredicateNode& child : node.children) {
        TESSERA_ASSIGN_OR_RETURN(auto bound_child, Bind(child));
        bound->children.push_back(std::move(bound_child));
      }
      return bound;
    }
    if (node.children.empty())
      return bound;  // a bare column or literal: nothing to skip on (the parser refuses it)
    if (node.op == "isNull") {
      const PredicateNode& leaf = node.children[0];
      if (leaf.op != "column")
        return bound;  // isNull of a literal: a constant, not worth skipping on
      bound->kind = Kind::kIsNull;
      TESSERA_ASSIGN_OR_RETURN(bound->column, ColumnIndex(leaf));
      return bound;
    }
    const PredicateNode* column = &node.children[0];
    const PredicateNode* literal = &node.children[1];
    std::string op = node.op;
    if (column->op == "literal" && literal->op == "column") {
      std::swap(column, literal);
      op = FlipOp(op);
    }
    if (column->op != "column" || literal->op != "literal")
      return bound;  // column vs column or literal vs literal: no skipping on it
    bound->kind = Kind::kCompare;
    bound->op = op;
    TESSERA_ASSIGN_OR_RETURN(bound->column, ColumnIndex(*column));
    auto value = ParseText(columns_[bound->column].kind, literal->value);
    if (!value)
      return Status::InvalidArgument("literal '" + literal->value + "' does not fit its column");
    bound->literal = std::move(*value);
    return bound;
  }

 private:
  Result<size_t> ColumnIndex(const PredicateNode& leaf) {
    const delta::Field* field = snapshot_.schema().Find(leaf.name);
    if (field == nullptr)
      return Status::InvalidArgument("no column '" + leaf.name + "'");
    auto kind = KindOfColumn(field->type);
    auto wanted = KindOfValueType(leaf.value_type);
    if (!kind || !wanted || *kind != *wanted) {
      return Status::InvalidArgument("column '" + leaf.name + "' of type " +
                                     field->type.ToString() + " is not a " + leaf.value_type);
    }
    FileFilter::Column column;
    column.physical = field->PhysicalName();
    column.kind = *kind;
    for (const std::string& name : snapshot_.metadata().partition_columns) {
      if (ToLower(name) == ToLower(field->name))
        column.partition = true;
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].physical == column.physical)
        return i;
    }
    columns_.push_back(column);
    return columns_.size() - 1;
  }

  const delta::Snapshot& snapshot_;
  std::vector<FileFilter::Column>& columns_;
};

}  // namespace

FileFilter FileFilter::Bind(const PredicateNode& predicate, const delta::Snapshot& snapshot) {
  FileFilter filter;
  Binder binder(snapshot, filter.columns_);
  auto root = binder.Bind(predicate);
  if (!root.ok()) {
    filter.columns_.clear();
    filter.disabled_reason_ = root.status().message();
    return filter;
  }
  filter.root_ = std::move(*root);
  return filter;
}

bool FileFilter::MayMatch(const delta::AddFile& file) const {
  return MayMatch(file.partition_values, file.stats, file.stats_parsed);
}

bool FileFilter::MayMatch(const delta::PartitionValues& partition_values,
                          const std::optional<std::string>& stats,
                          const std::optional<Json>& stats_parsed) const {
  if (!root_)
    return true;
  std::optional<Json> parsed_text;
  const Json* json = stats_parsed ? &*stats_parsed : nullptr;
  if (json == nullptr && stats) {
    auto parsed = ParseJson(*stats);
    if (parsed.ok() && parsed->is_object()) {
      parsed_text = std::move(*parsed);
      json = &*parsed_text;
    }
  }
  std::optional<int64_t> records;
  if (json != nullptr) {
    const Json* count = JsonFind(*json, "numRecords");
    if (count != nullptr && count->is_number_integer())
      records = count->get<int64_t>();
  }
  // A file without rows has none that match.
  if (records && *records == 0)
    return false;
  std::vector<ColumnFacts> facts(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& column = columns_[i];
    ColumnFacts& f = facts[i];
    if (column.partition) {
      auto found = partition_values.find(column.physical);
      if (found == partition_values.end())
        continue;  // unknown: anything is possible
      f.exact = true;
      const std::optional<std::string>& text = found->second;
      if (!text || (text->empty() && column.kind != ValueKind::kString))
        continue;  // NULL
      f.value = ParseText(column.kind, *text);
      if (!f.value)
        f.exact = false;  // unparseable: treat as unknown
      continue;
    }
    if (json == nullptr)
      continue;
    auto stat = [&](const char* group) -> const Json* {
      const Json* values = JsonFind(*json, group);
      if (values == nullptr || !values->is_object())
        return nullptr;
      return JsonFind(*values, column.physical);
    };
    if (const Json* min = stat("minValues"))
      f.min = ParseStat(column.kind, *min);
    if (const Json* max = stat("maxValues")) {
      f.max = ParseStat(column.kind, *max);
      // Spark truncates long string statistics; a truncated max is no upper bound.
      if (f.max && column.kind == ValueKind::kString &&
          Utf8Length(std::get<std::string>(*f.max)) >= 32) {
        f.max.reset();
      }
      // Timestamp statistics are truncated to milliseconds.
      if (f.max && column.kind == ValueKind::kTimestamp)
        f.max = Value(std::get<int64_t>(*f.max) + 999);
    }
    if (const Json* nulls = stat("nullCount"); nulls != nullptr && nulls->is_number_integer()) {
      int64_t null_count = nulls->get<int64_t>();
      f.may_have_nulls = null_count > 0;
      if (records && null_count >= *records)
        f.may_have_values = false;
    }
  }
  return (Evaluate(*root_, facts) & kTrue) != 0;
}

}  // namespace tessera::sharing
