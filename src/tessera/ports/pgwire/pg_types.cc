#include "tessera/ports/pgwire/pg_types.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

#include "tessera/common/strings.h"

namespace tessera::ports::pgwire {
namespace {

constexpr std::array<std::pair<uint32_t, uint32_t>, 25> kArrayTypes = {{
    {oid::kBool, oid::kBoolArray},
    {oid::kBytea, oid::kByteaArray},
    {oid::kChar, 1002},
    {oid::kName, 1003},
    {oid::kInt8, oid::kInt8Array},
    {oid::kInt2, oid::kInt2Array},
    {oid::kInt4, oid::kInt4Array},
    {oid::kText, oid::kTextArray},
    {oid::kOid, 1028},
    {oid::kJson, oid::kJsonArray},
    {oid::kFloat4, oid::kFloat4Array},
    {oid::kFloat8, oid::kFloat8Array},
    {oid::kBpchar, 1014},
    {oid::kVarchar, oid::kVarcharArray},
    {oid::kDate, oid::kDateArray},
    {oid::kTime, oid::kTimeArray},
    {oid::kTimestamp, oid::kTimestampArray},
    {oid::kTimestamptz, oid::kTimestamptzArray},
    {oid::kInterval, oid::kIntervalArray},
    {oid::kTimetz, oid::kTimetzArray},
    {oid::kBit, 1561},
    {oid::kVarbit, oid::kVarbitArray},
    {oid::kNumeric, oid::kNumericArray},
    {oid::kUuid, oid::kUuidArray},
    {oid::kJsonb, 3807},
}};

int32_t NumericTypmod(int32_t precision, int32_t scale) { return ((precision << 16) | scale) + 4; }

WireColumn Scalar(uint32_t type_oid, int32_t typmod = -1,
                  WireProjection projection = WireProjection::kNone) {
  WireColumn column;
  column.type = PgType{type_oid, TypLenFor(type_oid), typmod};
  column.projection = projection;
  return column;
}

WireColumn Json(WireProjection projection) { return Scalar(oid::kJson, -1, projection); }

// The scalar part of notes §1.9; nested types and DECIMAL are handled by the callers.
std::optional<WireColumn> ScalarColumnFor(duckdb_type id) {
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return Scalar(oid::kBool);
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_UTINYINT:
      return Scalar(oid::kInt2);
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_USMALLINT:
      return Scalar(oid::kInt4);
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
      return Scalar(oid::kInt8);
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
      return Scalar(oid::kNumeric);
    case DUCKDB_TYPE_BIGNUM:
      return Scalar(oid::kNumeric, -1, WireProjection::kToVarchar);
    case DUCKDB_TYPE_FLOAT:
      return Scalar(oid::kFloat4);
    case DUCKDB_TYPE_DOUBLE:
      return Scalar(oid::kFloat8);
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_ENUM:
    case DUCKDB_TYPE_SQLNULL:
    case DUCKDB_TYPE_STRING_LITERAL:
      return Scalar(oid::kText);
    case DUCKDB_TYPE_INTEGER_LITERAL:
      return Scalar(oid::kInt8);
    case DUCKDB_TYPE_BLOB:
      return Scalar(oid::kBytea);
    case DUCKDB_TYPE_DATE:
      return Scalar(oid::kDate);
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIME_NS:
      return Scalar(oid::kTime);
    case DUCKDB_TYPE_TIME_TZ:
      return Scalar(oid::kTimetz);
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return Scalar(oid::kTimestamp);
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return Scalar(oid::kTimestamptz);
    case DUCKDB_TYPE_INTERVAL:
      return Scalar(oid::kInterval);
    case DUCKDB_TYPE_UUID:
      return Scalar(oid::kUuid);
    case DUCKDB_TYPE_BIT:
      return Scalar(oid::kVarbit, -1, WireProjection::kToVarchar);
    default:
      return std::nullopt;
  }
}

// A list of scalars becomes a PG array; anything else (lists of lists, of structs, of values
// that need their own projection) becomes json, because PG arrays must be rectangular.
WireColumn ListOf(const WireColumn& element) {
  uint32_t array_oid = ArrayOidFor(element.type.oid);
  if (element.projection != WireProjection::kNone || array_oid == 0 ||
      ElementOidFor(element.type.oid) != 0) {
    return Json(WireProjection::kToJson);
  }
  WireColumn column = Scalar(array_oid, element.type.typmod);
  column.element_oid = element.type.oid;
  return column;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

bool IStartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && IEquals(text.substr(0, prefix.size()), prefix);
}

WireColumn ColumnForTypeName(std::string_view name) {
  name = Trim(name);
  if (!name.empty() && name.back() == ']') {
    // The last top-level "[...]" suffix: LIST (`[]`) or ARRAY (`[3]`) of what precedes it.
    size_t open = name.rfind('[');
    if (open == std::string_view::npos || open == 0)
      return Scalar(oid::kText);
    return ListOf(ColumnForTypeName(name.substr(0, open)));
  }
  if (IStartsWith(name, "STRUCT(") || IStartsWith(name, "MAP(") || IStartsWith(name, "UNION("))
    return Json(WireProjection::kToJson);
  if (IStartsWith(name, "ENUM("))
    return Scalar(oid::kText);
  if (IStartsWith(name, "DECIMAL(") || IStartsWith(name, "NUMERIC(")) {
    std::string_view args = name.substr(name.find('(') + 1);
    int32_t precision = 0;
    int32_t scale = 0;
    auto [comma, ec1] = std::from_chars(args.data(), args.data() + args.size(), precision);
    if (ec1 != std::errc() || comma == args.data() + args.size() || *comma != ',')
      return Scalar(oid::kNumeric);
    auto [end, ec2] = std::from_chars(comma + 1, args.data() + args.size(), scale);
    if (ec2 != std::errc() || end == args.data() + args.size() || *end != ')')
      return Scalar(oid::kNumeric);
    return Scalar(oid::kNumeric, NumericTypmod(precision, scale));
  }
  static constexpr std::pair<std::string_view, duckdb_type> kNames[] = {
      {"BOOLEAN", DUCKDB_TYPE_BOOLEAN},
      {"TINYINT", DUCKDB_TYPE_TINYINT},
      {"SMALLINT", DUCKDB_TYPE_SMALLINT},
      {"INTEGER", DUCKDB_TYPE_INTEGER},
      {"BIGINT", DUCKDB_TYPE_BIGINT},
      {"UTINYINT", DUCKDB_TYPE_UTINYINT},
      {"USMALLINT", DUCKDB_TYPE_USMALLINT},
      {"UINTEGER", DUCKDB_TYPE_UINTEGER},
      {"UBIGINT", DUCKDB_TYPE_UBIGINT},
      {"HUGEINT", DUCKDB_TYPE_HUGEINT},
      {"UHUGEINT", DUCKDB_TYPE_UHUGEINT},
      {"BIGNUM", DUCKDB_TYPE_BIGNUM},
      {"VARINT", DUCKDB_TYPE_BIGNUM},
      {"FLOAT", DUCKDB_TYPE_FLOAT},
      {"DOUBLE", DUCKDB_TYPE_DOUBLE},
      {"VARCHAR", DUCKDB_TYPE_VARCHAR},
      {"BLOB", DUCKDB_TYPE_BLOB},
      {"DATE", DUCKDB_TYPE_DATE},
      {"TIME", DUCKDB_TYPE_TIME},
      {"TIME_NS", DUCKDB_TYPE_TIME_NS},
      {"TIME WITH TIME ZONE", DUCKDB_TYPE_TIME_TZ},
      {"TIMESTAMP", DUCKDB_TYPE_TIMESTAMP},
      {"TIMESTAMP_S", DUCKDB_TYPE_TIMESTAMP_S},
      {"TIMESTAMP_MS", DUCKDB_TYPE_TIMESTAMP_MS},
      {"TIMESTAMP_NS", DUCKDB_TYPE_TIMESTAMP_NS},
      {"TIMESTAMP WITH TIME ZONE", DUCKDB_TYPE_TIMESTAMP_TZ},
      {"INTERVAL", DUCKDB_TYPE_INTERVAL},
      {"UUID", DUCKDB_TYPE_UUID},
      {"BIT", DUCKDB_TYPE_BIT},
      {"NULL", DUCKDB_TYPE_SQLNULL},
  };
  if (IEquals(name, "JSON"))
    return Json(WireProjection::kNone);
  for (const auto& [type_name, id] : kNames) {
    if (IEquals(name, type_name))
      return *ScalarColumnFor(id);
  }
  return Scalar(oid::kText);
}

}  // namespace

namespace internal {

std::string LogicalTypeAlias(duckdb_logical_type type) {
  char* alias = duckdb_logical_type_get_alias(type);
  if (alias == nullptr)
    return {};
  std::string result(alias);
  duckdb_free(alias);
  return result;
}

}  // namespace internal

int16_t TypLenFor(uint32_t type_oid) {
  switch (type_oid) {
    case oid::kBool:
    case oid::kChar:
      return 1;
    case oid::kInt2:
      return 2;
    case oid::kInt4:
    case oid::kFloat4:
    case oid::kDate:
    case oid::kOid:
      return 4;
    case oid::kInt8:
    case oid::kFloat8:
    case oid::kTime:
    case oid::kTimestamp:
    case oid::kTimestamptz:
      return 8;
    case oid::kTimetz:
      return 12;
    case oid::kUuid:
    case oid::kInterval:
      return 16;
    case oid::kName:
      return 64;
    default:
      return -1;
  }
}

uint32_t ArrayOidFor(uint32_t element_oid) {
  for (const auto& [element, array] : kArrayTypes) {
    if (element == element_oid)
      return array;
  }
  return 0;
}

uint32_t ElementOidFor(uint32_t array_oid) {
  for (const auto& [element, array] : kArrayTypes) {
    if (array == array_oid)
      return element;
  }
  return 0;
}

Result<WireColumn> WireColumnFor(duckdb_logical_type type) {
  duckdb_type id = duckdb_get_type_id(type);
  if (id == DUCKDB_TYPE_VARCHAR && internal::LogicalTypeAlias(type) == "JSON")
    return Json(WireProjection::kNone);
  switch (id) {
    case DUCKDB_TYPE_DECIMAL:
      return Scalar(oid::kNumeric,
                    NumericTypmod(duckdb_decimal_width(type), duckdb_decimal_scale(type)));
    case DUCKDB_TYPE_LIST: {
      internal::OwnedLogicalType child(duckdb_list_type_child_type(type));
      TESSERA_ASSIGN_OR_RETURN(WireColumn element, WireColumnFor(child.get()));
      return ListOf(element);
    }
    case DUCKDB_TYPE_ARRAY: {
      internal::OwnedLogicalType child(duckdb_array_type_child_type(type));
      TESSERA_ASSIGN_OR_RETURN(WireColumn element, WireColumnFor(child.get()));
      return ListOf(element);
    }
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_MAP:
    case DUCKDB_TYPE_UNION:
      return Json(WireProjection::kToJson);
    default:
      break;
  }
  std::optional<WireColumn> column = ScalarColumnFor(id);
  if (!column)
    return Status::Unsupported("DuckDB type id " + std::to_string(static_cast<int>(id)) +
                               " cannot be sent as a PostgreSQL value");
  return *column;
}

std::string ProjectForWire(std::string_view select_sql,
                           const std::vector<duckdb_logical_type>& types) {
  std::vector<WireProjection> projections;
  bool any = false;
  for (duckdb_logical_type type : types) {
    Result<WireColumn> column = WireColumnFor(type);
    projections.push_back(column.ok() ? column->projection : WireProjection::kNone);
    any = any || projections.back() != WireProjection::kNone;
  }
  if (!any)
    return std::string(select_sql);
  // A trailing ';' would end the subquery early; a trailing line comment would swallow the ')'.
  std::string_view inner = Trim(select_sql);
  while (!inner.empty() &&
         (inner.back() == ';' || std::isspace(static_cast<unsigned char>(inner.back()))))
    inner.remove_suffix(1);
  std::string sql = "SELECT ";
  for (size_t k = 0; k < projections.size(); ++k) {
    if (k > 0)
      sql += ", ";
    std::string ref = "#" + std::to_string(k + 1);
    switch (projections[k]) {
      case WireProjection::kNone:
        sql += ref;
        break;
      case WireProjection::kToJson:
        sql += "to_json(" + ref + ")";
        break;
      case WireProjection::kToVarchar:
        sql += ref + "::VARCHAR";
        break;
    }
  }
  sql += " FROM (";
  sql += inner;
  sql += "\n)";
  return sql;
}

std::string FormatPgType(uint32_t type_oid, int32_t typmod) {
  if (type_oid == oid::kUnspecified)
    return "-";
  if (uint32_t element = ElementOidFor(type_oid); element != 0)
    return FormatPgType(element, typmod) + "[]";
  auto with_precision = [typmod](std::string_view base, std::string_view suffix) {
    std::string text(base);
    if (typmod >= 0)
      text += "(" + std::to_string(typmod) + ")";
    text += suffix;
    return text;
  };
  switch (type_oid) {
    case oid::kBool:
      return "boolean";
    case oid::kBytea:
      return "bytea";
    case oid::kChar:
      return "\"char\"";
    case oid::kName:
      return "name";
    case oid::kInt8:
      return "bigint";
    case oid::kInt2:
      return "smallint";
    case oid::kInt4:
      return "integer";
    case oid::kText:
      return "text";
    case oid::kOid:
      return "oid";
    case oid::kJson:
      return "json";
    case oid::kFloat4:
      return "real";
    case oid::kFloat8:
      return "double precision";
    case oid::kUnknown:
      return "unknown";
    case oid::kBpchar:
      return typmod >= 4 ? "character(" + std::to_string(typmod - 4) + ")" : "bpchar";
    case oid::kVarchar:
      return typmod >= 4 ? "character varying(" + std::to_string(typmod - 4) + ")"
                         : "character varying";
    case oid::kDate:
      return "date";
    case oid::kTime:
      return with_precision("time", " without time zone");
    case oid::kTimetz:
      return with_precision("time", " with time zone");
    case oid::kTimestamp:
      return with_precision("timestamp", " without time zone");
    case oid::kTimestamptz:
      return with_precision("timestamp", " with time zone");
    case oid::kInterval:
      return "interval";
    case oid::kBit:
      return typmod >= 0 ? "bit(" + std::to_string(typmod) + ")" : "bit";
    case oid::kVarbit:
      return typmod >= 0 ? "bit varying(" + std::to_string(typmod) + ")" : "bit varying";
    case oid::kNumeric:
      if (typmod >= 4) {
        int32_t packed = typmod - 4;
        return "numeric(" + std::to_string((packed >> 16) & 0xffff) + "," +
               std::to_string(packed & 0xffff) + ")";
      }
      return "numeric";
    case oid::kUuid:
      return "uuid";
    case oid::kJsonb:
      return "jsonb";
    default:
      return "???";
  }
}

PgType PgTypeForDuckdbTypeName(std::string_view name) { return ColumnForTypeName(name).type; }

uint32_t PgTypeOidForDuckdbTypeName(std::string_view name) {
  return PgTypeForDuckdbTypeName(name).oid;
}

std::string PostgresColumnName(std::string_view duckdb_name) {
  size_t open = duckdb_name.find('(');
  if (open == 0 || open == std::string_view::npos || duckdb_name.back() != ')')
    return std::string(duckdb_name);
  std::string_view function = duckdb_name.substr(0, open);
  // DuckDB quotes names that are keywords: "version"().
  if (function.size() > 2 && function.front() == '"' && function.back() == '"')
    function = function.substr(1, function.size() - 2);
  for (char c : function) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return std::string(duckdb_name);
  }
  // The call must span the whole name: "f(a) + g(b)" is an expression, PostgreSQL's ?column?.
  int depth = 0;
  for (size_t i = open; i < duckdb_name.size(); ++i) {
    if (duckdb_name[i] == '(')
      ++depth;
    else if (duckdb_name[i] == ')' && --depth == 0 && i + 1 != duckdb_name.size())
      return std::string(duckdb_name);
  }
  if (function == "count_star")
    return "count";
  if (function == "CAST") {
    // x::int is named x in PostgreSQL: the cast of a column or call takes its name.
    size_t as = duckdb_name.rfind(" AS ");
    if (as == std::string_view::npos || as < open)
      return std::string(duckdb_name);
    std::string inner = PostgresColumnName(duckdb_name.substr(open + 1, as - open - 1));
    for (char c : inner) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
        return std::string(duckdb_name);
    }
    return inner.empty() ? std::string(duckdb_name) : inner;
  }
  return std::string(function);
}

}  // namespace tessera::ports::pgwire
