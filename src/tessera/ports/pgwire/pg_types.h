#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::ports::pgwire {

/// PostgreSQL type OIDs (pg_type.oid, stable across releases) that the port sends or accepts.
namespace oid {
inline constexpr uint32_t kUnspecified = 0;
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kChar = 18;
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kJsonArray = 199;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kUnknown = 705;
inline constexpr uint32_t kBoolArray = 1000;
inline constexpr uint32_t kByteaArray = 1001;
inline constexpr uint32_t kInt2Array = 1005;
inline constexpr uint32_t kInt4Array = 1007;
inline constexpr uint32_t kTextArray = 1009;
inline constexpr uint32_t kVarcharArray = 1015;
inline constexpr uint32_t kInt8Array = 1016;
inline constexpr uint32_t kFloat4Array = 1021;
inline constexpr uint32_t kFloat8Array = 1022;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestampArray = 1115;
inline constexpr uint32_t kDateArray = 1182;
inline constexpr uint32_t kTimeArray = 1183;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kTimestamptzArray = 1185;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kIntervalArray = 1187;
inline constexpr uint32_t kNumericArray = 1231;
inline constexpr uint32_t kTimetz = 1266;
inline constexpr uint32_t kTimetzArray = 1270;
inline constexpr uint32_t kBit = 1560;
inline constexpr uint32_t kVarbit = 1562;
inline constexpr uint32_t kVarbitArray = 1563;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kUuidArray = 2951;
inline constexpr uint32_t kJsonb = 3802;
}  // namespace oid

/// A PostgreSQL type as RowDescription and the catalog describe it. Plain value.
struct PgType {
  uint32_t oid = oid::kText;
  /// pg_type.typlen: the fixed size in bytes, or -1 for variable-length types.
  int16_t typlen = -1;
  /// pg_attribute.atttypmod: ((p << 16) | s) + 4 for numeric(p,s), -1 when there is none.
  int32_t typmod = -1;
};

/// How a result column must be rewritten in SQL before RowEncoder can encode it.
enum class WireProjection {
  kNone,       ///< encoded as DuckDB returns it
  kToJson,     ///< `to_json(#k)`: STRUCT, MAP, UNION, lists of nested values
  kToVarchar,  ///< `#k::VARCHAR`: BIT, BIGNUM
};

/// How one DuckDB result column travels over the wire. Plain value.
struct WireColumn {
  PgType type;
  /// For array types, the element's OID (what binary arrays carry); 0 otherwise.
  uint32_t element_oid = 0;
  WireProjection projection = WireProjection::kNone;
};

/// Describe how a column of DuckDB logical type `type` (not consumed) is sent (notes §1.9).
/// Return kUnsupported for types that cannot be a result column (INVALID, ANY).
Result<WireColumn> WireColumnFor(duckdb_logical_type type);

/// Return `select_sql` rewritten so that every column of `types` (its result types, in order)
/// can be encoded: `SELECT #1, to_json(#2), #3::VARCHAR FROM (<select_sql>)`, or `select_sql`
/// unchanged when no column needs a projection. The caller re-prepares the rewritten query; its
/// columns keep their positions, not their names.
std::string ProjectForWire(std::string_view select_sql,
                           const std::vector<duckdb_logical_type>& types);

/// Format a type as PostgreSQL's format_type(oid, typmod) does: `bigint`, `numeric(12,2)`,
/// `text[]`, `timestamp with time zone`, `character varying(10)`; "-" for OID 0 and "???" for
/// an OID this table does not know.
std::string FormatPgType(uint32_t oid, int32_t typmod);

/// The column name PostgreSQL gives what DuckDB named `duckdb_name`: an unaliased function call,
/// which DuckDB names by its text ("version()", "count_star()"), is named by its function as in
/// PostgreSQL ("version", "count"); other names are kept. (An alias that looks like a call is
/// renamed too: DuckDB does not say which names are aliases.)
std::string PostgresColumnName(std::string_view duckdb_name);

/// Map a DuckDB type name as duckdb_columns().data_type prints it (`BIGINT`, `DECIMAL(12,2)`,
/// `VARCHAR[]`, `TIMESTAMP WITH TIME ZONE`, `STRUCT(a INTEGER)`) to the PG type its values are
/// sent as, typmod included. Unknown names map to text.
PgType PgTypeForDuckdbTypeName(std::string_view name);

/// The OID of PgTypeForDuckdbTypeName(name).
uint32_t PgTypeOidForDuckdbTypeName(std::string_view name);

/// The array type whose elements have OID `element_oid` (int4 → int4[]), or 0 if none.
uint32_t ArrayOidFor(uint32_t element_oid);

/// The element type of array type `array_oid` (int4[] → int4), or 0 if it is not an array.
uint32_t ElementOidFor(uint32_t array_oid);

/// pg_type.typlen of a type: 1 bool, 2 int2, 4 int4/float4/date, 8 int8/float8/time/timestamp(tz),
/// 12 timetz, 16 uuid/interval, -1 for variable-length types.
int16_t TypLenFor(uint32_t oid);

namespace internal {

/// Owns a duckdb_logical_type (DuckDB's accessors for child types return owned copies).
class OwnedLogicalType {
 public:
  explicit OwnedLogicalType(duckdb_logical_type type) : type_(type) {}
  ~OwnedLogicalType() { duckdb_destroy_logical_type(&type_); }
  OwnedLogicalType(const OwnedLogicalType&) = delete;
  OwnedLogicalType& operator=(const OwnedLogicalType&) = delete;
  duckdb_logical_type get() const { return type_; }

 private:
  duckdb_logical_type type_;
};

/// The alias of a logical type ("JSON"), or "" when it has none.
std::string LogicalTypeAlias(duckdb_logical_type type);

}  // namespace internal

}  // namespace tessera::ports::pgwire
