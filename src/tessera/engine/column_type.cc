#include "tessera/engine/column_type.h"

#include <string>

#include "tessera/common/strings.h"

namespace tessera::engine {
namespace {

// Logical types handed out by DuckDB must be destroyed; char* names must be duckdb_free'd.
class LogicalTypeHandle {
 public:
  explicit LogicalTypeHandle(duckdb_logical_type type) : type_(type) {}
  ~LogicalTypeHandle() { duckdb_destroy_logical_type(&type_); }
  LogicalTypeHandle(const LogicalTypeHandle&) = delete;
  LogicalTypeHandle& operator=(const LogicalTypeHandle&) = delete;
  duckdb_logical_type get() const { return type_; }

 private:
  duckdb_logical_type type_;
};

std::string TakeDuckdbString(char* text) {
  std::string result = text != nullptr ? text : "";
  duckdb_free(text);
  return result;
}

const char* SimpleTypeName(duckdb_type id) {
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_TIMESTAMP:
      return "TIMESTAMP";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_VARCHAR:
      return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_TIMESTAMP_S:
      return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "TIMESTAMP_NS";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_BIT:
      return "BIT";
    case DUCKDB_TYPE_TIME_TZ:
      return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_ANY:
      return "ANY";
    case DUCKDB_TYPE_BIGNUM:
      return "BIGNUM";
    case DUCKDB_TYPE_SQLNULL:
      return "\"NULL\"";
    case DUCKDB_TYPE_TIME_NS:
      return "TIME_NS";
    default:
      return nullptr;
  }
}

std::string TypeName(duckdb_logical_type type, const KeywordSet& keywords);

// STRUCT(a INTEGER, b VARCHAR) and UNION(a INTEGER, b VARCHAR) share one spelling.
template <typename CountFn, typename NameFn, typename TypeFn>
std::string MemberList(const char* kind, duckdb_logical_type type, CountFn count, NameFn name,
                       TypeFn member_type, const KeywordSet& keywords) {
  std::string out = kind;
  out += '(';
  idx_t n = count(type);
  for (idx_t i = 0; i < n; ++i) {
    if (i > 0)
      out += ", ";
    out += QuoteNameIfNeeded(TakeDuckdbString(name(type, i)), keywords);
    out += ' ';
    LogicalTypeHandle child(member_type(type, i));
    out += TypeName(child.get(), keywords);
  }
  out += ')';
  return out;
}

std::string TypeName(duckdb_logical_type type, const KeywordSet& keywords) {
  std::string alias = TakeDuckdbString(duckdb_logical_type_get_alias(type));
  if (!alias.empty())
    return alias;
  duckdb_type id = duckdb_get_type_id(type);
  if (const char* simple = SimpleTypeName(id))
    return simple;
  switch (id) {
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL(" + std::to_string(duckdb_decimal_width(type)) + "," +
             std::to_string(duckdb_decimal_scale(type)) + ")";
    case DUCKDB_TYPE_ENUM: {
      std::string out = "ENUM(";
      uint32_t n = duckdb_enum_dictionary_size(type);
      for (uint32_t i = 0; i < n; ++i) {
        if (i > 0)
          out += ", ";
        out += QuoteLiteral(TakeDuckdbString(duckdb_enum_dictionary_value(type, i)));
      }
      return out + ")";
    }
    case DUCKDB_TYPE_LIST: {
      LogicalTypeHandle child(duckdb_list_type_child_type(type));
      return TypeName(child.get(), keywords) + "[]";
    }
    case DUCKDB_TYPE_ARRAY: {
      LogicalTypeHandle child(duckdb_array_type_child_type(type));
      return TypeName(child.get(), keywords) + "[" +
             std::to_string(duckdb_array_type_array_size(type)) + "]";
    }
    case DUCKDB_TYPE_MAP: {
      LogicalTypeHandle key(duckdb_map_type_key_type(type));
      LogicalTypeHandle value(duckdb_map_type_value_type(type));
      return "MAP(" + TypeName(key.get(), keywords) + ", " + TypeName(value.get(), keywords) + ")";
    }
    case DUCKDB_TYPE_STRUCT:
      return MemberList("STRUCT", type, duckdb_struct_type_child_count,
                        duckdb_struct_type_child_name, duckdb_struct_type_child_type, keywords);
    case DUCKDB_TYPE_UNION:
      return MemberList("UNION", type, duckdb_union_type_member_count,
                        duckdb_union_type_member_name, duckdb_union_type_member_type, keywords);
    case DUCKDB_TYPE_INVALID:
      return "INVALID";
    default:
      return "UNKNOWN(" + std::to_string(static_cast<int>(id)) + ")";
  }
}

}  // namespace

bool IsIntegerType(duckdb_type id) {
  switch (id) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
      return true;
    default:
      return false;
  }
}

bool ColumnType::IsNumeric() const {
  if (IsIntegerType(id))
    return true;
  switch (id) {
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
    case DUCKDB_TYPE_BIGNUM:
      return true;
    default:
      return false;
  }
}

bool ColumnType::IsNested() const {
  return id == DUCKDB_TYPE_STRUCT || id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_MAP ||
         id == DUCKDB_TYPE_ARRAY || id == DUCKDB_TYPE_UNION;
}

ColumnType DescribeLogicalType(duckdb_logical_type type, const KeywordSet& keywords) {
  return ColumnType{duckdb_get_type_id(type), TypeName(type, keywords)};
}

std::string QuoteNameIfNeeded(const std::string& name, const KeywordSet& keywords) {
  bool plain = !name.empty();
  for (size_t i = 0; i < name.size() && plain; ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    plain = letter || (i > 0 && c >= '0' && c <= '9');
  }
  if (plain && keywords.count(ToLower(name)) == 0)
    return name;
  return QuoteIdentifier(name);
}

}  // namespace tessera::engine
